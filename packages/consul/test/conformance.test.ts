import { type Cluster, startCluster } from '@strongbox/cluster';
import { describeConformance } from '@strongbox/conformance/vitest';
import { createStore } from '@strongbox/core';
import { afterAll, beforeAll } from 'vitest';
import { clusterDataDir, removeDataDir } from './helpers.js';

let cluster: Cluster;
const dataDir = clusterDataDir();
beforeAll(async () => {
  cluster = await startCluster({
    backend: 'consul',
    nodes: 3,
    ...(dataDir === undefined ? {} : { dataDir }),
  });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  removeDataDir(dataDir);
});

describeConformance({
  name: 'consul 3 nodes',
  createStore: () =>
    createStore({
      backend: 'consul',
      endpoints: [...cluster.endpoints],
      // A deadline for a loaded 2-core machine running three servers; no effect when they answer.
      requestTimeoutMs: 15_000,
    }),
});
