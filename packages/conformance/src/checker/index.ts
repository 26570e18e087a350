export {
  type CheckOptions,
  type CheckResult,
  checkHistory,
  checkOperations,
  type KeyResult,
  type Verdict,
  type Violation,
} from './check.js';
