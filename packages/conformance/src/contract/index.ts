export { awkwardKeys } from './basics.js';
export { type CaseContext, type ContractCase, caseContext } from './context.js';
export {
  type CaseOutcome,
  type ConformanceOptions,
  contractCases,
  openReplicas,
  runContractCases,
} from './suite.js';
