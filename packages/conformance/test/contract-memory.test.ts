import { describeConformance } from '@strongbox/conformance/vitest';
import { createMemoryStore, createStore, MemoryState } from '@strongbox/core';

const state = new MemoryState();
describeConformance({
  name: 'memory (shared state, 3 handles)',
  createStore: async () => createMemoryStore({ state }),
});

// Through createStore too: each call is a separate, empty memory store, so one replica only.
describeConformance({
  name: 'memory via createStore',
  createStore: () => createStore({ backend: 'memory' }),
  replicas: 1,
});
