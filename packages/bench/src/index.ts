export {
  type AdapterBenchOptions,
  type AdapterBenchReport,
  adapterBench,
  benchRows,
} from './adapter-bench.js';
export {
  type BenchBackend,
  benchBackends,
  type OpenedTargets,
  openTargets,
  packageVersion,
  rawClientPackage,
} from './backends.js';
export {
  type BackendReport,
  type CompareEvent,
  type CompareOptions,
  type CompareReport,
  type LinearizabilityFigure,
  runCompare,
} from './compare.js';
export {
  consulCounter,
  etcdCounter,
  noCounter,
  type RoundTripCounter,
  zookeeperCounter,
} from './counters.js';
export {
  type BenchPlan,
  type BenchProgress,
  type Cell,
  DEFAULT_SLICES,
  defaultPlan,
  runBench,
  type TargetFigures,
} from './harness.js';
export { consulRawTarget } from './raw/consul.js';
export { etcdRawTarget } from './raw/etcd.js';
export { zookeeperRawTarget } from './raw/zookeeper.js';
export { duration, num, percent, ratioSpread, textTable, withSpread } from './report/format.js';
export { renderHtml } from './report/html.js';
export { backendSummary, cellHeader, cellRows, RATIO_GOAL, renderText, sideBySide } from './report/table.js';
export { type RunBounds, type RunResult, runOnce } from './runner.js';
export { median, quantile, relativeSpread, type Spread, spread } from './stats.js';
export {
  type GuardedPut,
  storeTarget,
  type Target,
  type TargetKind,
  type VersionedResult,
} from './target.js';
export {
  prepareWorkload,
  type WorkerOp,
  type WorkloadName,
  workloadDescriptions,
  workloadNames,
} from './workloads.js';
