/**
 * strongbox over Consul against the raw `consul` client on a local 3-server cluster, through the
 * shared @strongbox/bench harness (the one `strongbox compare` uses): put, get, version CAS, value
 * CAS, contended CAS (every worker on one key) and a 3-key transaction at 1 and 64 workers, A/B
 * interleaved in time slices, the order flipping every repeat, medians of 6 repeats, HTTP requests per op
 * counted. Goal: strongbox ≥ 95% of raw ops/s for put, get, version CAS and contended CAS.
 */
import { adapterBench, consulRawTarget } from '@strongbox/bench';
import type { BenchReport } from '../../../scripts/bench.js';

export default async (): Promise<BenchReport> => {
  const report = await adapterBench('consul', {
    repeats: 6,
    maxOps: 4_000,
    extra: {
      label: 'vs plain PUT',
      workloads: ['put'],
      raw: async (endpoints) => consulRawTarget(endpoints, { plainPut: true }),
      note: 'the price of returning the new version: strongbox writes through /v1/txn, which answers with the ModifyIndex; a plain PUT /v1/kv answers only true',
    },
  });
  report.notes = [
    'put: both a /v1/txn set, the only write that answers with the new version (strongbox must return it); strongbox sends at most consul.writesInFlight (4) single-key writes at a time and those waiting beyond them (distinct keys) together as one txn, so at 64 workers it does fewer requests (the same for version CAS; contended CAS writes one key, so its writes are never grouped, only its re-reads)',
    'get: both GET /v1/kv/<key>?consistent; strongbox sends at most consul.readsInFlight (4) at a time and the gets waiting beyond them together as one consistent read txn (req/op below 1), so at 64 workers it does fewer requests than the raw client',
    'value CAS: raw reads the ModifyIndex first (Consul cannot compare values); strongbox skips that read when it last saw the key hold the expected value',
    'CPU µs/op: this whole process (client side; the servers are separate processes on the same 2 cores)',
    ...(report.notes ?? []),
  ];
  return report;
};
