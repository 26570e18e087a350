import { randomBytes } from 'node:crypto';
import type { RoundTripCounter } from './counters.js';
import { type RunResult, runInterleaved, runOnce } from './runner.js';
import { type Spread, spread } from './stats.js';
import type { Target, TargetKind } from './target.js';
import { type WorkloadName, workloadNames } from './workloads.js';

/** What to measure: every workload × worker count, each run bounded by ops and time, repeated. */
export interface BenchPlan {
  readonly workloads: readonly WorkloadName[];
  readonly workers: readonly number[];
  /** Runs per target per cell; each figure is the median of them. @default 3 */
  readonly repeats: number;
  /** Time bound of one run, in ms. */
  readonly runMs: number;
  /** Op bound of one run. */
  readonly maxOps: number;
  /**
   * Time slices per run: in each repeat the two targets take turns in slices of `runMs / slices`
   * (A B, B A, …), so slower drift cancels out. 1: one whole run each. @default 4
   */
  readonly slices?: number;
}

/** Time slices per side in one run, unless a plan says otherwise. */
export const DEFAULT_SLICES = 4;

/** The default plan: every workload at 1, 16 and 64 workers, 3 repeats of 2 s in 4 slices. */
export const defaultPlan: BenchPlan = {
  workloads: workloadNames,
  workers: [1, 16, 64],
  repeats: 3,
  runMs: 2_000,
  maxOps: 50_000,
  slices: DEFAULT_SLICES,
};

/** The figures of one target in one cell, each as the median and spread of the repeats. */
export interface TargetFigures {
  readonly opsPerSec: Spread;
  readonly p50Ms: Spread;
  readonly p95Ms: Spread;
  readonly p99Ms: Spread;
  readonly cpuUsPerOp: Spread;
  readonly roundTripsPerOp: Spread;
  /** Share of conditional writes that won (contended CAS: well below 1). */
  readonly winRate: Spread;
  readonly errors: number;
  readonly firstError?: string;
}

/** One workload at one worker count, strongbox against the raw client. */
export interface Cell {
  readonly workload: WorkloadName;
  readonly workers: number;
  readonly strongbox: TargetFigures;
  readonly raw: TargetFigures;
  /** strongbox ops/s ÷ raw ops/s, per repeat (each pair ran back to back). */
  readonly ratio: Spread;
}

/** Where a bench run is. */
export interface BenchProgress {
  readonly done: number;
  readonly total: number;
  readonly label: string;
}

/** A run that could not even start (seeding failed): it counts as one error, with no figures. */
function failedRun(err: unknown): RunResult {
  return {
    ops: 0,
    wins: 0,
    errors: 1,
    firstError: err instanceof Error ? err.message : String(err),
    elapsedMs: 0,
    opsPerSec: Number.NaN,
    p50Ms: Number.NaN,
    p95Ms: Number.NaN,
    p99Ms: Number.NaN,
    cpuUsPerOp: Number.NaN,
    roundTripsPerOp: Number.NaN,
  };
}

function figures(runs: readonly RunResult[]): TargetFigures {
  const pick = (f: (r: RunResult) => number) => spread(runs.map(f));
  const firstError = runs.find((r) => r.firstError !== undefined)?.firstError;
  return {
    opsPerSec: pick((r) => r.opsPerSec),
    p50Ms: pick((r) => r.p50Ms),
    p95Ms: pick((r) => r.p95Ms),
    p99Ms: pick((r) => r.p99Ms),
    cpuUsPerOp: pick((r) => r.cpuUsPerOp),
    roundTripsPerOp: pick((r) => r.roundTripsPerOp),
    winRate: pick((r) => (r.ops === 0 ? Number.NaN : r.wins / r.ops)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/**
 * Runs every cell of `plan` through both targets against the same cluster, A/B interleaved: in
 * each repeat the two targets take turns in time slices (see {@link runInterleaved}), and which
 * one goes first flips every repeat, so drift and noise hit both sides alike. Each figure is the
 * median of the repeats. When `signal` aborts, the cells completed so far come back.
 */
export async function runBench(options: {
  readonly targets: Readonly<Record<TargetKind, Target>>;
  readonly counter: RoundTripCounter;
  readonly plan: BenchPlan;
  readonly onProgress?: (p: BenchProgress) => void;
  readonly signal?: AbortSignal;
}): Promise<Cell[]> {
  const { targets, counter, plan, signal } = options;
  const run = randomBytes(3).toString('hex');
  const cells: Cell[] = [];
  const total = plan.workloads.length * plan.workers.length * plan.repeats;
  let done = 0;
  for (const workload of plan.workloads) {
    for (const workers of plan.workers) {
      // Ctrl-C: keep the cells measured so far; a cell cut short would mislead.
      if (signal?.aborted) return cells;
      const results: Record<TargetKind, RunResult[]> = { strongbox: [], raw: [] };
      // Warm both paths (connections per worker, JIT) unmeasured, so the first repeat is not
      // the only one paying for them.
      for (const kind of ['strongbox', 'raw'] as const) {
        if (signal?.aborted) break;
        const bounds = { workers, maxOps: workers * 4, maxMs: 1_000 };
        await runOnce(
          targets[kind],
          workload,
          `bench-${run}-warm-${kind}-${workload}-${workers}`,
          bounds,
          counter,
          signal,
        ).catch(failedRun);
      }
      for (let r = 0; r < plan.repeats && !signal?.aborted; r++) {
        const order: TargetKind[] = r % 2 === 0 ? ['strongbox', 'raw'] : ['raw', 'strongbox'];
        options.onProgress?.({ done, total, label: `${workload} ×${workers} #${r + 1}, ${order[0]} first` });
        const sides = order.map((kind) => ({
          target: targets[kind],
          prefix: `bench-${run}-${kind === 'strongbox' ? 's' : 'r'}-${workload}-${workers}-${r}`,
        }));
        const bounds = { workers, maxOps: plan.maxOps, maxMs: plan.runMs };
        const measured = await runInterleaved(
          sides,
          workload,
          bounds,
          counter,
          plan.slices ?? DEFAULT_SLICES,
          signal,
        ).catch((err: unknown) => order.map(() => failedRun(err)));
        order.forEach((kind, i) => {
          results[kind].push(measured[i] as RunResult);
        });
        done++;
      }
      if (signal?.aborted) return cells;
      const ratio = results.strongbox.map((s, i) => s.opsPerSec / (results.raw[i]?.opsPerSec ?? Number.NaN));
      cells.push({
        workload,
        workers,
        strongbox: figures(results.strongbox),
        raw: figures(results.raw),
        ratio: spread(ratio),
      });
    }
  }
  options.onProgress?.({ done, total, label: 'done' });
  return cells;
}
