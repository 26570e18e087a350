export * from './contract/index.js';
export * from './linearizability/index.js';
