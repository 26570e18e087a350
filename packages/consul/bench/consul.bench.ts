/**
 * strongbox over Consul against the raw `consul` client, in one run on one 3-server cluster from
 * startCluster: put, get, version CAS, value CAS, contended CAS (every worker on one key) and a
 * 3-key transaction, at 1 and 64 workers. The shared @strongbox/bench harness runs each cell A/B
 * interleaved (the order flips every repeat) and bounds each run by ops and time.
 */
import { type Cell, openTargets, runBench } from '@strongbox/bench';
import { startCluster } from '@strongbox/cluster';
import type { BenchReport } from '../../../scripts/bench.js';

const GOAL = 0.95;
const r1 = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : 'n/a');
const r3 = (n: number) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : 'n/a');

function rows(cells: readonly Cell[]): BenchReport['rows'] {
  return cells.map((c) => ({
    workload: c.workload,
    workers: c.workers,
    'sb ops/s': r1(c.strongbox.opsPerSec.median),
    'raw ops/s': r1(c.raw.opsPerSec.median),
    'sb/raw': r3(c.ratio.median),
    'sb/raw min–max': `${r3(c.ratio.min)}–${r3(c.ratio.max)}`,
    'sb p50/p99 ms': `${r1(c.strongbox.p50Ms.median)} / ${r1(c.strongbox.p99Ms.median)}`,
    'raw p50/p99 ms': `${r1(c.raw.p50Ms.median)} / ${r1(c.raw.p99Ms.median)}`,
    'CPU µs/op sb/raw': `${r1(c.strongbox.cpuUsPerOp.median)} / ${r1(c.raw.cpuUsPerOp.median)}`,
    'req/op sb/raw': `${r3(c.strongbox.roundTripsPerOp.median)} / ${r3(c.raw.roundTripsPerOp.median)}`,
    errors: c.strongbox.errors + c.raw.errors,
  }));
}

export default async function bench(): Promise<BenchReport> {
  const cluster = await startCluster({ backend: 'consul', nodes: 3, logLevel: 'warn' });
  try {
    const opened = await openTargets('consul', cluster.endpoints);
    try {
      const plan = {
        workloads: ['put', 'get', 'version-cas', 'value-cas', 'contended-cas', 'txn3'] as const,
        workers: [1, 64],
        repeats: 4,
        runMs: 2_000,
        maxOps: 4_000,
      };
      const cells = await runBench({ targets: opened.targets, counter: opened.counter, plan });
      return {
        title: 'strongbox (@strongbox/consul) vs raw consul 2.0.1 · 3-server Consul 1.8 on loopback',
        rows: rows(cells),
        goals: cells
          .filter((c) => c.workload !== 'value-cas' && c.workload !== 'txn3')
          .map((c) => ({
            goal: `${c.workload} ×${c.workers}: strongbox ≥ ${GOAL * 100}% of raw ops/s`,
            measured: `${(c.ratio.median * 100).toFixed(1)}% (repeats ${c.ratio.runs.map((r) => (r * 100).toFixed(0)).join(', ')}%)`,
            met: c.ratio.median >= GOAL,
          })),
        notes: [
          `each figure: median of ${plan.repeats} runs per side, A/B interleaved (order flips every repeat), each run ≤ ${plan.maxOps} ops and ${plan.runMs} ms`,
          'put: strongbox sends a /v1/txn set (it must return the new version); raw a plain PUT /v1/kv (answers only true)',
          'get: both GET /v1/kv/<key>?consistent (strongbox reads keys a URL cannot carry through a read txn)',
          'CPU µs/op: this whole process (client side; the servers are separate processes on the same 2 cores)',
          'req/op: HTTP requests to the cluster per op, counted on Node’s diagnostics channel',
        ],
      };
    } finally {
      await opened.close();
    }
  } finally {
    await cluster.stop();
  }
}
