export { compareKeys, toBytes, toText } from './bytes.js';
export {
  type CapabilityName,
  capabilityName,
  capabilityNames,
  contractLimits,
  hasCapability,
  missingCapabilities,
  type StoreCapabilities,
} from './capabilities.js';
export {
  type BackendName,
  backendNames,
  consulConfig,
  embeddedConfig,
  etcdConfig,
  parseStoreConfig,
  type ResolvedStoreConfig,
  type StoreConfig,
  storeConfig,
  tlsConfig,
  zookeeperConfig,
} from './config.js';
export { type Adapter, adapterPackages, createStore, loadAdapter } from './create.js';
export type { CallContext, Driver, DriverDeleteResult, WriteCondition } from './driver.js';
export {
  type ErrorCode,
  type ErrorDetail,
  errorCodes,
  isStoreError,
  StoreError,
  type StoreErrorOptions,
} from './errors.js';
export {
  createMemoryStore,
  MemoryDriver,
  MemoryState,
  type MemoryStoreOptions,
  memoryCapabilities,
} from './memory.js';
export { prefixed } from './prefixed.js';
export { DriverContext, type DriverStoreOptions, storeFromDriver, timedContext } from './store.js';
export {
  canonicalJson,
  type TypedCasResult,
  type TypedCondition,
  type TypedEntry,
  type TypedOperation,
  TypedStore,
  type TypedUpdatePlan,
  typed,
} from './typed.js';
export type * from './types.js';
export type {
  NormalizedCondition,
  NormalizedOperation,
  NormalizedTransaction,
} from './validate.js';
