import { describeLinearizability } from './suite.js';

describeLinearizability({ backend: 'consul' });

// Calls of clients sharing one store go together once more than readsInFlight gets or
// writesInFlight single-key writes are out (packages/consul/src/groups.ts): gets as one read
// transaction, writes as one transaction. The same checks, with a leader killed or paused under them.
describeLinearizability({
  backend: 'consul',
  variant: 'shared store, grouped calls',
  config: { consul: { readsInFlight: 1, writesInFlight: 1 } },
  shareStore: true,
  nemeses: ['kill-leader', 'pause-leader'],
  // A consistent read transaction: only gets that waited for a request slot send one (the workload's
  // keys fit a URL).
  evidence: /^PUT \/v1\/txn\?.*consistent/,
});
