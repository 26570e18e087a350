/**
 * Time-to-ready (a leader and a quorum write) of 1- and 3-node clusters of each backend, from
 * startCluster() to its resolution, median of a few runs on this machine.
 */
import { cpus, loadavg } from 'node:os';
import type { BenchReport } from '../../../scripts/bench.js';
import { BACKENDS, type Backend, findServer, startCluster } from '../src/index.js';

const RUNS = 3;
/** The goals for 3 nodes, in ms. */
const GOALS: Record<Backend, number> = { etcd: 3_000, zookeeper: 8_000, consul: 15_000 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export default async function bench(): Promise<BenchReport> {
  const rows: BenchReport['rows'] = [];
  const goals: NonNullable<BenchReport['goals']> = [];
  for (const backend of BACKENDS) {
    const version = (await findServer(backend)).version;
    for (const nodes of [1, 3]) {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const cluster = await startCluster({ backend, nodes, logLevel: 'warn' });
        times.push(performance.now() - t0);
        await cluster.stop();
      }
      const med = median(times);
      rows.push({
        backend: `${backend} ${version}`,
        nodes,
        'median ms': Math.round(med),
        'min ms': Math.round(Math.min(...times)),
        'max ms': Math.round(Math.max(...times)),
        runs: RUNS,
      });
      if (nodes === 3) {
        goals.push({
          goal: `${backend} 3 nodes ready in under ${GOALS[backend] / 1000} s (median)`,
          measured: `${(med / 1000).toFixed(2)} s`,
          met: med < GOALS[backend],
        });
      }
    }
  }
  return {
    title: `startCluster time-to-ready (leader + quorum write), median of ${RUNS} runs`,
    rows,
    goals,
    notes: [
      `${cpus().length} cores, load average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}: other work on the machine slows startup`,
    ],
  };
}
