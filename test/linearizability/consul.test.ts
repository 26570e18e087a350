import { describeLinearizability } from './suite.js';

describeLinearizability({ backend: 'consul' });

// Gets of clients sharing one store go together as read transactions once more than readsInFlight
// are out (packages/consul/src/reads.ts): the same checks, with a leader killed or paused under them.
describeLinearizability({
  backend: 'consul',
  variant: 'shared store, grouped gets',
  config: { consul: { readsInFlight: 1 } },
  shareStore: true,
  nemeses: ['kill-leader', 'pause-leader'],
  // A consistent read transaction: only grouped gets send one (the workload's keys fit a URL).
  evidence: /^PUT \/v1\/txn\?.*consistent/,
});
