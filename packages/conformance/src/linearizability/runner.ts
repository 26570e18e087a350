import { randomBytes } from 'node:crypto';
import type { Store } from '@strongbox/core';
import { type CheckResult, checkHistory } from '../checker/index.js';
import type { HistoryEvent } from '../history/schema.js';
import { seededRandom } from '../history/simulate.js';
import { type FaultRecord, healAll, type NemesisCluster, type NemesisKind, runNemesis } from './nemesis.js';
import { type CountsByFunction, createClock, Recorder } from './recorder.js';
import { finalRead, KeySpace, runClient, type WorkloadOptions } from './workload.js';

/** The nemesis of a run: which fault, on which cluster, how often. */
export interface NemesisPlan {
  readonly cluster: NemesisCluster;
  readonly kind: NemesisKind;
  /** How long each fault lasts. @default 3000 */
  readonly faultMs?: number;
  /** Healthy time before each fault. @default 2000 */
  readonly healMs?: number;
  /** How long the healed cluster may take to be ready again. @default 30000 */
  readonly readyTimeoutMs?: number;
}

/** What a run is doing, for progress displays. */
export interface RunProgress {
  readonly phase: 'workload' | 'healing' | 'final-reads' | 'checking' | 'done';
  /** Milliseconds since the workload started. */
  readonly elapsedMs: number;
  /** The planned workload duration. */
  readonly durationMs: number;
  /** Operations completed so far. */
  readonly ops: number;
  /** The fault in force now, e.g. `pause n2 (leader)`; absent when none is. */
  readonly fault?: string;
}

/** Options of {@link runLinearizability}. */
export interface LinearizabilityOptions extends WorkloadOptions {
  /** The run's name, e.g. `etcd 3 nodes, kill-leader`. */
  readonly name: string;
  /** The backend, as recorded in the results (`etcd`, `memory`, …). */
  readonly backend: string;
  /** Opens a new handle with its own connection; one per client, and one for the final reads. */
  readonly openStore: () => Promise<Store>;
  /** How long the clients run, in milliseconds. */
  readonly durationMs: number;
  /** Concurrent clients. @default 5 */
  readonly clients?: number;
  /** Faults to inject while the clients run; none for a memory store. */
  readonly nemesis?: NemesisPlan;
  /** Seed of the workload's choices (keys, functions, cas values); recorded in the result. @default random */
  readonly seed?: number;
  /** Prefix of every key, so runs never share keys. @default `lin-<random>/` */
  readonly keyPrefix?: string;
  /** The checker's time budget; a history it cannot finish in time is `unknown`. @default 60000 */
  readonly checkTimeLimitMs?: number;
  /** Stops the run early (Ctrl-C): clients finish their operation, faults are healed, the history is checked. */
  readonly signal?: AbortSignal;
  /** Called with progress about four times a second, and at every phase change. */
  readonly onProgress?: (progress: RunProgress) => void;
}

/** Operations per second: all completed ones, and those that ended ok. */
export interface Throughput {
  readonly opsPerSec: number;
  readonly okPerSec: number;
}

/** Everything a run produced: the history, the fault timeline, the verdict and the counts. */
export interface LinearizabilityRun {
  readonly name: string;
  readonly backend: string;
  readonly nemesis: NemesisKind | 'none';
  /** Wall-clock start, ISO. */
  readonly startedAt: string;
  readonly seed: number;
  readonly clients: number;
  /** How long the clients actually ran, in milliseconds. */
  readonly workloadMs: number;
  readonly history: readonly HistoryEvent[];
  readonly faults: readonly FaultRecord[];
  readonly check: CheckResult;
  /** Completed operations by function and outcome (final reads included). */
  readonly counts: CountsByFunction;
  /** Throughput while the clients ran (final reads excluded). */
  readonly throughput: Throughput;
  /** Keys the final reads could not read before their deadline (the cluster did not come back). */
  readonly unreadKeys: readonly string[];
}

/**
 * Runs the linearizability suite once: `clients` concurrent clients on their own connections run a random
 * workload for `durationMs` while the nemesis injects faults; then every fault is healed, a fresh client reads
 * every key, and the history is checked. The caller writes the output with `writeRun`.
 *
 * @example
 * const run = await runLinearizability({
 *   name: 'etcd kill', backend: 'etcd', durationMs: 12_000,
 *   openStore: () => createStore({ backend: 'etcd', endpoints: [...cluster.endpoints] }),
 *   nemesis: { cluster, kind: 'kill' },
 * });
 * expect(run.check.verdict).toBe('ok');
 */
export async function runLinearizability(options: LinearizabilityOptions): Promise<LinearizabilityRun> {
  const clock = createClock();
  const recorder = new Recorder(clock);
  const seed = options.seed ?? randomBytes(4).readUInt32LE();
  const random = seededRandom(seed);
  const opTimeoutMs = options.opTimeoutMs ?? 2_000;
  const keys = new KeySpace(
    options.keyPrefix ?? `lin-${randomBytes(4).toString('hex')}/`,
    options.keys ?? 3,
    options.opsPerKey ?? 200,
    random,
  );
  let processes = 0;
  const stop = new AbortController();
  const stores: Store[] = [];
  let fault: string | undefined;
  let phase: RunProgress['phase'] = 'workload';
  const started = Date.now();
  const report = (): void =>
    options.onProgress?.({
      phase,
      elapsedMs: Date.now() - started,
      durationMs: options.durationMs,
      ops: recorder.completed,
      ...(fault === undefined ? {} : { fault }),
    });
  const ticker = setInterval(report, 250);
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let i = 0; i < (options.clients ?? 5); i++) stores.push(await options.openStore());
    const ctx = {
      recorder,
      keys,
      random,
      nextProcess: () => processes++,
      stopped: () => stop.signal.aborted,
    };
    const timer = setTimeout(() => stop.abort(), options.durationMs);
    const nemesis = options.nemesis;
    const faultsDone = nemesis
      ? runNemesis({
          cluster: nemesis.cluster,
          kind: nemesis.kind,
          clock,
          random,
          signal: stop.signal,
          ...(nemesis.faultMs === undefined ? {} : { faultMs: nemesis.faultMs }),
          ...(nemesis.healMs === undefined ? {} : { healMs: nemesis.healMs }),
          onFault: (f) => {
            fault = f.end === undefined ? `${f.kind} ${f.node}${f.leader ? ' (leader)' : ''}` : undefined;
            report();
          },
        })
      : Promise.resolve([]);
    await Promise.all(stores.map((s) => runClient(s, ctx, options)));
    clearTimeout(timer);
    const workloadMs = Date.now() - started;
    phase = 'healing';
    report();
    const faults = await faultsDone;
    if (nemesis) await healAll(nemesis.cluster, nemesis.readyTimeoutMs ?? 30_000);
    phase = 'final-reads';
    report();
    const unreadKeys = await readAll(options, keys.all, processes++, recorder, opTimeoutMs);
    phase = 'checking';
    report();
    const check = checkHistory(recorder.events, { timeLimitMs: options.checkTimeLimitMs ?? 60_000 });
    phase = 'done';
    report();
    const workloadOps = recorder.completed - countFinal(recorder, processes - 1);
    return {
      name: options.name,
      backend: options.backend,
      nemesis: nemesis?.kind ?? 'none',
      startedAt: clock.startedAt,
      seed,
      clients: stores.length,
      workloadMs,
      history: recorder.events,
      faults,
      check,
      counts: recorder.counts,
      throughput: throughput(recorder, workloadOps, workloadMs, processes - 1),
      unreadKeys,
    };
  } finally {
    clearInterval(ticker);
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
    await Promise.allSettled(stores.map((s) => s.close()));
  }
}

/** The final reads: a fresh client reads every key once the cluster is whole again. */
async function readAll(
  options: LinearizabilityOptions,
  keys: readonly string[],
  process: number,
  recorder: Recorder,
  opTimeoutMs: number,
): Promise<string[]> {
  const store = await options.openStore();
  const unread: string[] = [];
  try {
    const deadline = Date.now() + Math.max(10_000, 5 * opTimeoutMs);
    for (const key of keys) {
      if (!(await finalRead(store, key, process, recorder, opTimeoutMs, deadline))) unread.push(key);
    }
  } finally {
    await store.close();
  }
  return unread;
}

/** Completions of the final reader (the last process), so throughput counts only the workload. */
function countFinal(recorder: Recorder, finalProcess: number): number {
  let n = 0;
  for (const e of recorder.events) if (e.process === finalProcess && e.type !== 'invoke') n++;
  return n;
}

function throughput(recorder: Recorder, ops: number, ms: number, finalProcess: number): Throughput {
  let ok = 0;
  for (const e of recorder.events) if (e.type === 'ok' && e.process !== finalProcess) ok++;
  const secs = Math.max(ms, 1) / 1000;
  return { opsPerSec: round(ops / secs), okPerSec: round(ok / secs) };
}

const round = (x: number): number => Math.round(x * 10) / 10;
