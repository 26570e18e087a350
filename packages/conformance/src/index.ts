export * from './checker/index.js';
export * from './contract/index.js';
export * from './history/index.js';
export * from './linearizability/index.js';
export * from './report/index.js';
