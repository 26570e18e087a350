export {
  type FaultRecord,
  healAll,
  type NemesisCluster,
  type NemesisKind,
  type NemesisNode,
  type NemesisOptions,
  nemesisKinds,
  runNemesis,
} from './nemesis.js';
export {
  defaultRunDir,
  type FaultsFile,
  type KeySummary,
  type RunFiles,
  type RunSummary,
  summarizeRun,
  writeRun,
} from './output.js';
export {
  type Completion,
  type CountsByFunction,
  createClock,
  type InvokeArg,
  type OpenOperation,
  type OutcomeCounts,
  Recorder,
  type RunClock,
} from './recorder.js';
export {
  type LinearizabilityOptions,
  type LinearizabilityRun,
  type NemesisPlan,
  type RunProgress,
  runLinearizability,
  type Throughput,
} from './runner.js';
export {
  classify,
  defaultMix,
  finalRead,
  KeySpace,
  type OperationMix,
  runClient,
  type WorkloadContext,
  type WorkloadOptions,
} from './workload.js';
