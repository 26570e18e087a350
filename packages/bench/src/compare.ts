import { randomBytes } from 'node:crypto';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { type Cluster, findServer, startCluster } from '@strongbox/cluster';
import { type NemesisKind, runLinearizability, summarizeRun, writeRun } from '@strongbox/conformance';
import { createStore, type Store } from '@strongbox/core';
import { type BenchBackend, openTargets, packageVersion, rawClientPackage } from './backends.js';
import { type BenchPlan, type Cell, runBench } from './harness.js';
import { type Spread, spread } from './stats.js';

/** Options of {@link runCompare}. */
export interface CompareOptions {
  readonly backends: readonly BenchBackend[];
  /** Nodes per cluster. @default 3 */
  readonly nodes: number;
  readonly plan: BenchPlan;
  /** Workload time of each linearizability run (one with kill-leader, one with pause-leader); 0 skips them. */
  readonly linearizabilityMs: number;
  /** How many times the leader is killed to time the recovery. @default 3 */
  readonly recoveryRepeats: number;
  /** Where each linearizability run writes its history and faults (for replay); none when absent. */
  readonly outDir?: string;
  readonly onEvent?: (event: CompareEvent) => void;
  readonly signal?: AbortSignal;
}

/** Progress of a compare run: which backend, which phase, how far (0..1) when known. */
export interface CompareEvent {
  readonly backend: BenchBackend;
  readonly phase: 'start' | 'bench' | 'recovery' | 'linearizability' | 'stop';
  readonly message: string;
  readonly fraction?: number;
}

/** One short linearizability run with faults, as the report keeps it. */
export interface LinearizabilityFigure {
  readonly nemesis: NemesisKind;
  readonly verdict: string;
  readonly ops: number;
  readonly okPerSec: number;
  /** Operations whose outcome stayed unknown (timeouts, INDETERMINATE). */
  readonly indeterminate: number;
  readonly faults: number;
  /** The run's history and faults (for `strongbox check` replay), relative to the report's directory. */
  readonly dir?: string;
}

/** Everything measured on one backend. */
export interface BackendReport {
  readonly backend: BenchBackend;
  readonly nodes: number;
  /** The cluster's client endpoints (loopback; gone once the run ends). */
  readonly endpoints: readonly string[];
  readonly server: { readonly version: string; readonly source: string };
  readonly client: { readonly package: string; readonly version: string };
  /** From starting the processes to a leader and a quorum write. */
  readonly readyMs?: number;
  /** After SIGKILL of the leader: until another node leads, and until a strongbox write succeeds. */
  readonly recovery?: { readonly electionMs: Spread; readonly writeMs: Spread };
  readonly roundTripMethod?: string;
  readonly cells: readonly Cell[];
  readonly linearizability: readonly LinearizabilityFigure[];
  /** Why this backend's figures are missing or partial. */
  readonly error?: string;
}

/** The JSON report of `strongbox compare`. */
export interface CompareReport {
  readonly schema: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly os: string;
    readonly node: string;
    /** 1-minute load average when the run started and when it ended: how busy the machine was. */
    readonly loadAverage: { readonly start: number; readonly end: number };
    readonly note: string;
  };
  readonly strongbox: { readonly version: string };
  readonly options: {
    readonly nodes: number;
    readonly plan: BenchPlan;
    readonly linearizabilityMs: number;
    readonly recoveryRepeats: number;
  };
  readonly backends: readonly BackendReport[];
  /** True when Ctrl-C cut the run short. */
  readonly interrupted: boolean;
}

async function timeRecovery(cluster: Cluster, store: Store, signal?: AbortSignal) {
  const old = await cluster.waitForLeader();
  const key = `recovery-${randomBytes(4).toString('hex')}`;
  const t0 = performance.now();
  const deadline = t0 + 60_000;
  await old.kill();
  let electionMs = Number.NaN;
  let writeMs = Number.NaN;
  // 20 ms polls set the resolution of the figures; they measure, they do not synchronise.
  const election = async () => {
    while (performance.now() < deadline && !signal?.aborted) {
      const now = await cluster.leader();
      if (now !== undefined && now !== old) {
        electionMs = performance.now() - t0;
        return;
      }
      await delay(20);
    }
  };
  const write = async () => {
    while (performance.now() < deadline && !signal?.aborted) {
      try {
        await store.put(key, 'x', { timeoutMs: 1_000 });
        writeMs = performance.now() - t0;
        return;
      } catch {
        await delay(20);
      }
    }
  };
  await Promise.all([election(), write()]);
  await old.restart();
  await cluster.waitReady();
  return { electionMs, writeMs };
}

async function measureBackend(
  backend: BenchBackend,
  options: CompareOptions,
  emit: (e: Omit<CompareEvent, 'backend'>) => void,
): Promise<BackendReport> {
  const { signal } = options;
  const install = await findServer(backend);
  const base = {
    backend,
    nodes: options.nodes,
    server: { version: install.version, source: install.source },
    client: { package: rawClientPackage[backend], version: packageVersion(rawClientPackage[backend]) },
  };
  const linearizability: LinearizabilityFigure[] = [];
  let cells: Cell[] = [];
  let readyMs: number | undefined;
  let recovery: BackendReport['recovery'];
  let roundTripMethod: string | undefined;
  emit({ phase: 'start', message: `starting ${options.nodes} ${backend} node(s)` });
  const t0 = performance.now();
  const cluster = await startCluster({ backend, nodes: options.nodes });
  const endpoints = [...cluster.endpoints];
  try {
    readyMs = performance.now() - t0;
    signal?.throwIfAborted();
    const opened = await openTargets(backend, cluster.endpoints);
    roundTripMethod = opened.counter.method;
    try {
      cells = await runBench({
        targets: opened.targets,
        counter: opened.counter,
        plan: options.plan,
        ...(signal === undefined ? {} : { signal }),
        onProgress: (p) => emit({ phase: 'bench', message: p.label, fraction: p.done / p.total }),
      });
    } finally {
      await opened.close();
    }
    signal?.throwIfAborted();
    const runs = { electionMs: [] as number[], writeMs: [] as number[] };
    const store = await createStore({ backend, endpoints: [...cluster.endpoints] });
    try {
      for (let i = 0; i < options.recoveryRepeats; i++) {
        signal?.throwIfAborted();
        emit({
          phase: 'recovery',
          message: `kill the leader #${i + 1}`,
          fraction: i / options.recoveryRepeats,
        });
        const r = await timeRecovery(cluster, store, signal);
        runs.electionMs.push(r.electionMs);
        runs.writeMs.push(r.writeMs);
      }
    } finally {
      await store.close();
    }
    recovery = { electionMs: spread(runs.electionMs), writeMs: spread(runs.writeMs) };
    const kinds: NemesisKind[] = options.linearizabilityMs > 0 ? ['kill-leader', 'pause-leader'] : [];
    for (const kind of kinds) {
      signal?.throwIfAborted();
      const run = await runLinearizability({
        name: `${backend} ${options.nodes} nodes, ${kind} (compare)`,
        backend,
        durationMs: options.linearizabilityMs,
        openStore: () => createStore({ backend, endpoints: [...cluster.endpoints] }),
        nemesis: { cluster, kind, faultMs: 2_000, healMs: 1_500 },
        checkTimeLimitMs: 30_000,
        ...(signal === undefined ? {} : { signal }),
        onProgress: (p) =>
          emit({
            phase: 'linearizability',
            message: `${kind} ${p.phase}${p.fault ? ` (${p.fault})` : ''}`,
            fraction: Math.min(1, p.elapsedMs / p.durationMs),
          }),
      });
      const summary = summarizeRun(run);
      const dir = options.outDir === undefined ? undefined : `lin-${backend}-${kind}`;
      if (options.outDir !== undefined && dir !== undefined) writeRun(run, join(options.outDir, dir));
      linearizability.push({
        nemesis: kind,
        verdict: summary.verdict,
        ops: summary.ops,
        okPerSec: summary.throughput.okPerSec,
        indeterminate: summary.totals.info,
        faults: summary.faults,
        ...(dir === undefined ? {} : { dir }),
      });
    }
    return { ...base, endpoints, readyMs, recovery, roundTripMethod, cells, linearizability };
  } catch (err) {
    const error = signal?.aborted ? 'interrupted' : err instanceof Error ? err.message : String(err);
    return {
      ...base,
      endpoints,
      ...(readyMs === undefined ? {} : { readyMs }),
      ...(recovery === undefined ? {} : { recovery }),
      ...(roundTripMethod === undefined ? {} : { roundTripMethod }),
      cells,
      linearizability,
      error,
    };
  } finally {
    emit({ phase: 'stop', message: `stopping ${backend}` });
    await cluster.stop();
  }
}

/**
 * Starts a fresh cluster of each backend in turn on this machine, runs the harness through
 * strongbox and the raw client, times the leader's recovery, runs the linearizability suite with
 * leader kills and pauses, and stops the cluster (also on Ctrl-C: abort `signal`, and what was
 * measured so far comes back with `interrupted`).
 */
export async function runCompare(options: CompareOptions): Promise<CompareReport> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const backends: BackendReport[] = [];
  let interrupted = false;
  for (const backend of options.backends) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    try {
      backends.push(await measureBackend(backend, options, (e) => options.onEvent?.({ backend, ...e })));
    } catch (err) {
      // Only startCluster throws out of measureBackend: record it and go on with the next backend.
      if (options.signal?.aborted) break;
      const install = await findServer(backend).catch(() => undefined);
      backends.push({
        backend,
        nodes: options.nodes,
        endpoints: [],
        server: { version: install?.version ?? 'unknown', source: install?.source ?? 'unknown' },
        client: { package: rawClientPackage[backend], version: packageVersion(rawClientPackage[backend]) },
        cells: [],
        linearizability: [],
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  interrupted = options.signal?.aborted === true;
  const cpuList = cpus();
  return {
    schema: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpu: cpuList[0]?.model ?? 'unknown',
      cores: cpuList.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${process.platform} ${release()}`,
      node: process.version,
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? Number.NaN },
      note: 'The clusters ran one after another on this one machine, every node of a cluster and the benchmark client sharing its cores; absolute figures are this machine’s, the ratios travel better.',
    },
    strongbox: { version: packageVersion('@strongbox/core') },
    options: {
      nodes: options.nodes,
      plan: options.plan,
      linearizabilityMs: options.linearizabilityMs,
      recoveryRepeats: options.recoveryRepeats,
    },
    backends,
    interrupted,
  };
}
