/**
 * strongbox over ZooKeeper against the raw node-zookeeper-client on a local 3-server ensemble:
 * the shared @strongbox/bench workloads at 1 and 64 workers, A/B interleaved in time slices, medians
 * of 6 repeats, requests per op counted; goal: strongbox ≥ 95% of raw ops/s for put and version CAS. Both sides talk to the
 * same server and read linearizably (a barrier multi pipelined before getData).
 *
 * Kept from the adapter's own bench: the price of linearizable reads, i.e. strongbox's get
 * against a raw plain getData, which the connected server answers alone and may be stale.
 */
import { adapterBench, zookeeperRawTarget } from '@strongbox/bench';
import type { BenchReport } from '../../../scripts/bench.js';

export default (): Promise<BenchReport> =>
  adapterBench('zookeeper', {
    repeats: 6,
    // The adapter issue's goal: put and version-CAS. Reads cost a barrier; their price is reported.
    goalWorkloads: ['put', 'version-cas'],
    extra: {
      label: 'vs plain getData',
      workloads: ['get'],
      raw: (endpoints) => zookeeperRawTarget(endpoints, '/bench-raw-plain', { plainReads: true }),
      note: 'the price of linearizable reads: strongbox pipelines a check-only multi (a quorum commit) before getData; the raw getData is served by the connected server alone and may be stale',
    },
  });
