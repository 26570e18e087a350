import { performance } from 'node:perf_hooks';
import type { RoundTripCounter } from './counters.js';
import { quantile } from './stats.js';
import type { Target } from './target.js';
import { prepareWorkload, type WorkloadName } from './workloads.js';

/** Bounds of one run: it ends at whichever comes first, `maxOps` operations or `maxMs`. */
export interface RunBounds {
  readonly workers: number;
  readonly maxOps: number;
  readonly maxMs: number;
}

/** What one run of one workload on one target measured. */
export interface RunResult {
  readonly ops: number;
  /** Conditional writes that won (all ops for unconditional workloads). */
  readonly wins: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** User + system CPU of this whole process per op, in microseconds. */
  readonly cpuUsPerOp: number;
  /** Requests the counter saw per op (NaN when the counter failed). */
  readonly roundTripsPerOp: number;
}

/** A run gives up after this many failed operations: a broken cluster, not noise. */
const MAX_ERRORS = 50;

/** One side of an interleaved run: the target, and the key prefix its run seeds and uses. */
export interface RunSide {
  readonly target: Target;
  /** Key prefix of this side's run (unique per run). */
  readonly prefix: string;
}

/**
 * Runs one workload on one target with `workers` concurrent loops over a shared op budget, and
 * measures it. Setup (seeding keys) is outside the timed part; the round-trip counter is read
 * right around it, so seeding never counts.
 */
export async function runOnce(
  target: Target,
  workload: WorkloadName,
  prefix: string,
  bounds: RunBounds,
  counter: RoundTripCounter,
  signal?: AbortSignal,
): Promise<RunResult> {
  const [result] = await runInterleaved([{ target, prefix }], workload, bounds, counter, 1, signal);
  return result as RunResult;
}

/**
 * Runs the same workload on every side in turn, in `slices` time slices per side, alternating
 * (A B, B A, A B, …), so a drift of the machine or the cluster that lasts longer than a slice hits
 * every side alike. Each side seeds its keys first (untimed), then gets `bounds.maxMs` in total,
 * split evenly over its slices, and `bounds.maxOps` operations in total. A slice ends when its
 * time is up and its workers' operations in flight have returned; that drain counts in its time.
 * The round-trip counter and the CPU clock are read right around every slice.
 */
export async function runInterleaved(
  sides: readonly RunSide[],
  workload: WorkloadName,
  bounds: RunBounds,
  counter: RoundTripCounter,
  slices: number,
  signal?: AbortSignal,
): Promise<RunResult[]> {
  const runs: SideRun[] = [];
  for (const side of sides) {
    runs.push(new SideRun(await prepareWorkload(workload, side.target, side.prefix, bounds.workers), bounds));
  }
  const sliceMs = bounds.maxMs / slices;
  for (let s = 0; s < slices && !signal?.aborted; s++) {
    const order = s % 2 === 0 ? runs : [...runs].reverse();
    for (const run of order) await run.slice(sliceMs, counter, signal);
  }
  return runs.map((r) => r.result());
}

/** What one side measured, summed over its slices. */
class SideRun {
  readonly #latencies: Float64Array;
  #issued = 0;
  #done = 0;
  #wins = 0;
  #errors = 0;
  #firstError: string | undefined;
  #elapsedMs = 0;
  #cpuUs = 0;
  #roundTrips = 0;

  constructor(
    private readonly ops: readonly (() => Promise<boolean>)[],
    private readonly bounds: RunBounds,
  ) {
    this.#latencies = new Float64Array(bounds.maxOps);
  }

  async slice(ms: number, counter: RoundTripCounter, signal: AbortSignal | undefined): Promise<void> {
    const { maxOps } = this.bounds;
    if (this.#issued >= maxOps || this.#errors >= MAX_ERRORS) return;
    const rt0 = await counter.count().catch(() => Number.NaN);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const deadline = t0 + ms;
    const loop = async (op: () => Promise<boolean>) => {
      while (this.#issued < maxOps && this.#errors < MAX_ERRORS && !signal?.aborted) {
        const start = performance.now();
        if (start >= deadline) return;
        this.#issued++;
        try {
          if (await op()) this.#wins++;
          this.#latencies[this.#done++] = performance.now() - start;
        } catch (err) {
          this.#errors++;
          this.#firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    };
    await Promise.all(this.ops.map(loop));
    this.#elapsedMs += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    this.#cpuUs += cpu.user + cpu.system;
    const rt1 = await counter.count().catch(() => Number.NaN);
    this.#roundTrips += rt1 - rt0;
  }

  result(): RunResult {
    const done = this.#done;
    const sorted = Array.from(this.#latencies.subarray(0, done)).sort((a, b) => a - b);
    return {
      ops: done,
      wins: this.#wins,
      errors: this.#errors,
      ...(this.#firstError === undefined ? {} : { firstError: this.#firstError }),
      elapsedMs: this.#elapsedMs,
      opsPerSec: done === 0 ? 0 : (done / this.#elapsedMs) * 1000,
      p50Ms: quantile(sorted, 0.5),
      p95Ms: quantile(sorted, 0.95),
      p99Ms: quantile(sorted, 0.99),
      cpuUsPerOp: done === 0 ? Number.NaN : this.#cpuUs / done,
      roundTripsPerOp: done === 0 ? Number.NaN : this.#roundTrips / done,
    };
  }
}
