/**
 * strongbox over etcd against the raw `etcd3` client, in one run on one 3-node cluster: put, get,
 * version CAS (each worker on its own key) and contended CAS (all workers on one key), at 1 and 64
 * concurrent workers. Runs alternate strongbox and raw (A/B/A/B…) so that noise on this shared
 * machine hits both alike. Each run is bounded by an op count and a time limit.
 */
import { randomBytes } from 'node:crypto';
import { startCluster } from '@strongbox/cluster';
import { createStore, type Store } from '@strongbox/core';
import { Etcd3 } from 'etcd3';
import type { BenchReport } from '../../../scripts/bench.js';

type Side = 'strongbox' | 'raw';
type Workload = 'put' | 'get' | 'version-cas' | 'contended-cas';
/** One worker's loop body: performs one operation. */
type Op = () => Promise<void>;

interface RunResult {
  ops: number;
  ms: number;
  cpuUs: number;
  latencies: number[];
}

const WORKLOADS: readonly Workload[] = ['put', 'get', 'version-cas', 'contended-cas'];
const CONCURRENCY = [1, 64] as const;
const ROUNDS = 4;
const OPS = { 1: 250, 64: 2500 } as const;
const MAX_MS = 2000;
const VALUE = 'x'.repeat(100);

async function run(
  workers: number,
  maxOps: number,
  makeOp: (worker: number) => Promise<Op>,
): Promise<RunResult> {
  const ops = await Promise.all(Array.from({ length: workers }, (_, w) => makeOp(w)));
  const latencies: number[] = [];
  let started = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + MAX_MS;
  await Promise.all(
    ops.map(async (op) => {
      while (started < maxOps && performance.now() < deadline) {
        started++;
        const s = performance.now();
        await op();
        latencies.push(performance.now() - s);
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ops: latencies.length, ms, cpuUs: cpu.user + cpu.system, latencies };
}

function strongboxOp(store: Store, workload: Workload, base: string): (w: number) => Promise<Op> {
  return async (w) => {
    const key = workload === 'contended-cas' ? `${base}hot` : `${base}${w}`;
    switch (workload) {
      case 'put':
        return async () => {
          await store.put(key, VALUE);
        };
      case 'get':
        await store.put(key, VALUE);
        return async () => {
          await store.get(key);
        };
      case 'version-cas':
      case 'contended-cas': {
        let version = (await store.get(key))?.version ?? (await store.put(key, VALUE)).version;
        return async () => {
          const r = await store.putIfVersion(key, VALUE, version);
          if (r.ok) version = r.version;
          else if (r.current) version = r.current.version;
        };
      }
    }
  };
}

function rawOp(raw: Etcd3, workload: Workload, base: string): (w: number) => Promise<Op> {
  return async (w) => {
    const key = workload === 'contended-cas' ? `${base}hot` : `${base}${w}`;
    switch (workload) {
      case 'put':
        return async () => {
          await raw.put(key).value(VALUE).exec();
        };
      case 'get':
        await raw.put(key).value(VALUE).exec();
        return async () => {
          await raw.get(key).exec();
        };
      case 'version-cas':
      case 'contended-cas': {
        // The idiomatic raw CAS: one txn on the mod revision whose else branch reads the key.
        let rev = (await raw.put(key).value(VALUE).exec()).header.revision;
        return async () => {
          const r = await raw
            .if(key, 'Mod', '==', rev)
            .then(raw.put(key).value(VALUE))
            .else(raw.get(key))
            .commit();
          rev = r.succeeded
            ? r.header.revision
            : (r.responses[0]?.response_range.kvs[0]?.mod_revision ?? '0');
        };
      }
    }
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function merge(results: RunResult[]) {
  const ops = results.reduce((n, r) => n + r.ops, 0);
  const ms = results.reduce((n, r) => n + r.ms, 0);
  const cpuUs = results.reduce((n, r) => n + r.cpuUs, 0);
  const lat = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    ops,
    opsPerSec: (ops / ms) * 1000,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    cpuPerOp: cpuUs / ops,
  };
}

export default async function bench(): Promise<BenchReport> {
  const cluster = await startCluster({ backend: 'etcd', nodes: 3, logLevel: 'warn' });
  // Both get every endpoint, as a service would, and pick a member at random per call.
  const raw = new Etcd3({ hosts: [...cluster.endpoints] });
  const store = await createStore({ backend: 'etcd', endpoints: [...cluster.endpoints] });
  const rows: BenchReport['rows'] = [];
  const goals: NonNullable<BenchReport['goals']> = [];
  try {
    for (const workload of WORKLOADS) {
      for (const workers of CONCURRENCY) {
        const results: Record<Side, RunResult[]> = { strongbox: [], raw: [] };
        // Warm both paths (connections, JIT) before measuring.
        await run(
          workers,
          workers * 4,
          strongboxOp(store, workload, `bench/warm/${randomBytes(4).toString('hex')}/`),
        );
        await run(
          workers,
          workers * 4,
          rawOp(raw, workload, `bench/warm/${randomBytes(4).toString('hex')}/`),
        );
        for (let round = 0; round < ROUNDS; round++) {
          // Alternate which side goes first, so neither always runs on a cluster the other warmed.
          const order: Side[] = round % 2 === 0 ? ['strongbox', 'raw'] : ['raw', 'strongbox'];
          for (const side of order) {
            const base = `bench/${side}/${randomBytes(4).toString('hex')}/`;
            const make =
              side === 'strongbox' ? strongboxOp(store, workload, base) : rawOp(raw, workload, base);
            results[side].push(await run(workers, OPS[workers], make));
          }
        }
        const sb = merge(results.strongbox);
        const rw = merge(results.raw);
        const ratio = sb.opsPerSec / rw.opsPerSec;
        for (const [side, m] of [
          ['strongbox', sb],
          ['raw', rw],
        ] as const) {
          rows.push({
            workload,
            workers,
            side,
            ops: m.ops,
            'ops/s': Math.round(m.opsPerSec),
            'p50 ms': Number(m.p50.toFixed(2)),
            'p99 ms': Number(m.p99.toFixed(2)),
            'cpu µs/op': Math.round(m.cpuPerOp),
            'sb/raw': side === 'strongbox' ? Number(ratio.toFixed(3)) : '',
          });
        }
        goals.push({
          goal: `${workload} × ${workers}: strongbox ≥ 95% of raw ops/s`,
          measured: `${(ratio * 100).toFixed(1)}%`,
          met: ratio >= 0.95,
        });
      }
    }
  } finally {
    await store.close();
    raw.close();
    await cluster.stop();
  }
  return {
    title: 'strongbox (@strongbox/etcd) vs raw etcd3 1.1.2 on a local 3-node etcd 3.5 cluster',
    rows,
    goals,
    notes: [
      `each cell: ${ROUNDS} interleaved runs per side, each at most ${OPS[1]} ops (1 worker) or ${OPS[64]} (64 workers) and ${MAX_MS} ms`,
      'put: both a plain etcd Put; get: both a linearizable Range',
      'version-cas / contended-cas: putIfVersion chained on the returned version vs the raw txn (mod revision compare, else-branch read); both one round trip',
      'raw etcd3 runs with its default policies (retries of recoverable errors); strongbox without them, with its deadline timer, argument checks and an abort interceptor per call',
      'compare the sides within a run only: other processes on this 2-core machine move absolute figures and single cells a lot',
      'cpu µs/op: this process (client) only, user+system, over the whole run',
    ],
  };
}
