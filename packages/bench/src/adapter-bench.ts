import { startCluster } from '@strongbox/cluster';
import { type BenchBackend, openTargets, rawClientPackage } from './backends.js';
import { type BenchPlan, type Cell, DEFAULT_SLICES, runBench } from './harness.js';
import { num, ratioSpread, withSpread } from './report/format.js';
import { RATIO_GOAL } from './report/table.js';
import type { Target } from './target.js';
import type { WorkloadName } from './workloads.js';

/** What a bench file returns to scripts/bench.ts (the same shape as its `BenchReport`). */
export interface AdapterBenchReport {
  title: string;
  rows: Array<Record<string, string | number>>;
  goals?: Array<{ goal: string; measured: string; met: boolean }>;
  notes?: string[];
}

/** Options of {@link adapterBench}. */
export interface AdapterBenchOptions {
  /** @default 3 */
  readonly nodes?: number;
  /** @default every workload */
  readonly workloads?: readonly WorkloadName[];
  /** @default [1, 64] */
  readonly workers?: readonly number[];
  /** @default 3 */
  readonly repeats?: number;
  /** Time bound of one run. @default 2000 */
  readonly runMs?: number;
  /** @default 50000 */
  readonly maxOps?: number;
  /** Time slices per run in which the two clients take turns (see `runInterleaved`). @default 4 */
  readonly slices?: number;
  /** Workloads whose ratio is a goal of the adapter issue. @default put, get, version-cas, contended-cas */
  readonly goalWorkloads?: readonly WorkloadName[];
  /**
   * A figure of the adapter's own beyond the shared comparison: the same strongbox target against
   * another raw target (e.g. one with weaker reads), on the same cluster; reported, not a goal.
   */
  readonly extra?: {
    readonly label: string;
    readonly workloads: readonly WorkloadName[];
    readonly raw: (endpoints: readonly string[]) => Promise<Target>;
    readonly note: string;
  };
}

/** One bench row per cell, as `npm run bench` prints it. */
export function benchRows(backend: string, cells: readonly Cell[]): Array<Record<string, string | number>> {
  return cells.map((c) => ({
    backend,
    workload: c.workload,
    workers: c.workers,
    'strongbox ops/s': withSpread(c.strongbox.opsPerSec),
    'raw ops/s': withSpread(c.raw.opsPerSec),
    'sb/raw': ratioSpread(c.ratio),
    'sb p50/p99 ms': `${num(c.strongbox.p50Ms.median)} / ${num(c.strongbox.p99Ms.median)}`,
    'raw p50/p99 ms': `${num(c.raw.p50Ms.median)} / ${num(c.raw.p99Ms.median)}`,
    'CPU µs/op sb/raw': `${num(c.strongbox.cpuUsPerOp.median)} / ${num(c.raw.cpuUsPerOp.median)}`,
    'req/op sb/raw': `${num(c.strongbox.roundTripsPerOp.median)} / ${num(c.raw.roundTripsPerOp.median)}`,
    errors: c.strongbox.errors + c.raw.errors,
  }));
}

/**
 * The adapter benchmark of one backend, for packages/<backend>/bench/<backend>.bench.ts: a fresh
 * cluster, the shared workloads through strongbox and the raw client (A/B interleaved, medians of
 * repeats), and the goal strongbox ≥ 95% of the raw client's ops/s checked per cell.
 * @example
 * export default () => adapterBench('etcd');
 */
export async function adapterBench(
  backend: BenchBackend,
  options: AdapterBenchOptions = {},
): Promise<AdapterBenchReport> {
  const plan: BenchPlan = {
    workloads: options.workloads ?? ['put', 'get', 'version-cas', 'value-cas', 'contended-cas', 'txn3'],
    workers: options.workers ?? [1, 64],
    repeats: options.repeats ?? 3,
    runMs: options.runMs ?? 2_000,
    maxOps: options.maxOps ?? 50_000,
    slices: options.slices ?? DEFAULT_SLICES,
  };
  const goalWorkloads = options.goalWorkloads ?? ['put', 'get', 'version-cas', 'contended-cas'];
  const cluster = await startCluster({ backend, nodes: options.nodes ?? 3 });
  try {
    const opened = await openTargets(backend, cluster.endpoints);
    let cells: Cell[];
    let extraCells: Cell[] = [];
    try {
      cells = await runBench({ targets: opened.targets, counter: opened.counter, plan });
      const extra = options.extra;
      if (extra) {
        const raw = await extra.raw(opened.endpoints);
        try {
          extraCells = await runBench({
            targets: { strongbox: opened.targets.strongbox, raw },
            counter: opened.counter,
            plan: { ...plan, workloads: extra.workloads },
          });
        } finally {
          await raw.close();
        }
      }
    } finally {
      await opened.close();
    }
    const extraRows = benchRows(backend, extraCells).map((r) => ({
      ...r,
      workload: `${r.workload} (${options.extra?.label})`,
    }));
    return {
      title: `${backend}: strongbox vs raw ${rawClientPackage[backend]}, ${cluster.nodes.length} nodes, median of ${plan.repeats} A/B runs`,
      rows: [...benchRows(backend, cells), ...extraRows],
      goals: cells
        .filter((c) => goalWorkloads.includes(c.workload))
        .map((c) => ({
          goal: `${backend} ${c.workload} ×${c.workers}: strongbox ≥ ${RATIO_GOAL * 100}% of the raw client's ops/s`,
          // One decimal: a rounded 95% must not read as met when it is 94.8%.
          measured: `${(c.ratio.median * 100).toFixed(1)}%, repeats ${c.ratio.runs.map((r) => `${(r * 100).toFixed(0)}%`).join(' ')}`,
          met: c.ratio.median >= RATIO_GOAL,
        })),
      notes: [
        ...(options.extra ? [`${options.extra.label}: ${options.extra.note}`] : []),
        `requests per op counted by: ${opened.counter.method}`,
        'the cluster, the client and anything else running share this machine: compare ratios, not absolute figures',
      ],
    };
  } finally {
    await cluster.stop();
  }
}
