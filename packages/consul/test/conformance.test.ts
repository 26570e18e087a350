import { type Cluster, startCluster } from '@strongbox/cluster';
import { describeConformance } from '@strongbox/conformance/vitest';
import { createStore } from '@strongbox/core';
import { afterAll, beforeAll } from 'vitest';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({ backend: 'consul', nodes: 3 });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

describeConformance({
  name: 'consul 3 nodes',
  createStore: () => createStore({ backend: 'consul', endpoints: [...cluster.endpoints] }),
});
