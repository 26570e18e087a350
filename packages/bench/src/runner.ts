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
  const ops = await prepareWorkload(workload, target, prefix, bounds.workers);
  const latencies = new Float64Array(bounds.maxOps);
  let issued = 0;
  let done = 0;
  let wins = 0;
  let errors = 0;
  let firstError: string | undefined;
  const rt0 = await counter.count().catch(() => Number.NaN);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + bounds.maxMs;
  const loop = async (op: () => Promise<boolean>) => {
    while (issued < bounds.maxOps && errors < MAX_ERRORS && !signal?.aborted) {
      const start = performance.now();
      if (start >= deadline) return;
      issued++;
      try {
        if (await op()) wins++;
        latencies[done++] = performance.now() - start;
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(ops.map(loop));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const rt1 = await counter.count().catch(() => Number.NaN);
  const sorted = Array.from(latencies.subarray(0, done)).sort((a, b) => a - b);
  return {
    ops: done,
    wins,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    elapsedMs,
    opsPerSec: done === 0 ? 0 : (done / elapsedMs) * 1000,
    p50Ms: quantile(sorted, 0.5),
    p95Ms: quantile(sorted, 0.95),
    p99Ms: quantile(sorted, 0.99),
    cpuUsPerOp: done === 0 ? Number.NaN : (cpu.user + cpu.system) / done,
    roundTripsPerOp: done === 0 ? Number.NaN : (rt1 - rt0) / done,
  };
}
