import { type Cluster, startCluster } from '@strongbox/cluster';
import { describeConformance } from '@strongbox/conformance/vitest';
import { createStore } from '@strongbox/core';
import { afterAll, beforeAll } from 'vitest';

let cluster: Cluster | undefined;
beforeAll(async () => {
  cluster = await startCluster({ backend: 'zookeeper', nodes: 3 });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

describeConformance({
  name: 'zookeeper 3 nodes',
  createStore: () => createStore({ backend: 'zookeeper', endpoints: [...(cluster?.endpoints ?? [])] }),
});
