/**
 * strongbox over etcd against the raw etcd3 client on a local 3-node cluster, through the shared
 * @strongbox/bench harness (the one `strongbox compare` uses): put, get, version CAS, value CAS,
 * contended CAS (every worker on one key) and a 3-key transaction at 1 and 64 workers, A/B
 * interleaved in time slices, the order flipping every repeat, medians of 10 repeats, requests per op counted
 * on the servers. Goal: strongbox ≥ 95% of raw ops/s, shown met or MISS per cell.
 */
import { adapterBench } from '@strongbox/bench';
import type { BenchReport } from '../../../scripts/bench.js';

export default async (): Promise<BenchReport> => {
  const report = await adapterBench('etcd', { repeats: 10 });
  report.notes = [
    'put: both a plain etcd Put; get: both a linearizable Range (no serializable flag)',
    'version-cas / contended-cas: both one txn (mod revision compare, else-branch read of the winner): one round trip',
    'raw etcd3 runs with its retry and circuit-breaker policies off, as strongbox does: the baseline is the bare RPC',
    'compare the sides within a run only: other processes on this 2-core machine move absolute figures and single cells a lot',
    ...(report.notes ?? []),
  ];
  return report;
};
