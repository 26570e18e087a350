/**
 * Where the Consul adapter's cost per call sits: the raw `consul` client, the adapter's HTTP layer
 * alone (ConsulHttp, with a call deadline as the store gives it) and the whole store, measured
 * side by side on one fresh 3-server cluster. Not part of `npm run bench` (a diagnosis, not a
 * goal). Each round runs `ops` operations per worker on each side in turn, the order rotating
 * every round; the figures are medians over rounds of each side's ops/s relative to the first
 * side's in the same round, and of the client CPU per op (this whole process).
 *
 *   node --import tsx packages/consul/bench/layers.ts <get|put> <workers> <rounds> <ops> <side,side>
 *
 * Sides: raw (the client on Node's global agent, as the raw bench target), http, store. Use two
 * sides at 64 workers: Consul closes connections beyond 200 per client address.
 */
import { startCluster } from '@strongbox/cluster';
import { type CallContext, createStore, parseStoreConfig, timedContext } from '@strongbox/core';
import Consul from 'consul';
import { ConsulHttp } from '../src/client.js';

interface RawConsul {
  kv: { get(opts: { key: string; consistent: boolean }): Promise<unknown> };
  transaction: { create(ops: readonly object[]): Promise<unknown> };
  destroy(): void;
}

const [mode = 'get', workersArg = '64', roundsArg = '30', opsArg = '20', sidesArg = 'raw,store'] =
  process.argv.slice(2);
const workers = Number(workersArg);
const rounds = Number(roundsArg);
const perWorker = Number(opsArg);
const names = sidesArg.split(',');
if (!['get', 'put'].includes(mode) || !(workers > 0 && rounds > 0 && perWorker > 0)) {
  console.error('usage: layers.ts <get|put> <workers> <rounds> <ops> <side,side>');
  process.exit(2);
}

const cluster = await startCluster({ backend: 'consul', nodes: 3 });
try {
  const endpoint = cluster.endpoints[0] as string;
  const [host, port] = endpoint.split(':');
  const raw = new Consul({ host: host as string, port: Number(port) }) as unknown as RawConsul;
  const store = await createStore({ backend: 'consul', endpoints: [endpoint], requestTimeoutMs: 10_000 });
  const http = new ConsulHttp(parseStoreConfig({ backend: 'consul', endpoints: [endpoint] }));
  const withDeadline = async <T>(run: (ctx: CallContext) => Promise<T>): Promise<T> => {
    const { ctx, done } = timedContext(10_000, 'consul');
    try {
      return await run(ctx);
    } finally {
      done();
    }
  };
  let n = 0;
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const set = () => [{ KV: { Verb: 'set' as const, Key: 'k', Value: b64(`v${++n}`) } }];
  const sides: Record<string, () => Promise<unknown>> =
    mode === 'get'
      ? {
          raw: () => raw.kv.get({ key: 'k', consistent: true }),
          http: () => withDeadline((ctx) => http.kvGet('k', false, ctx)),
          store: () => store.get('k'),
        }
      : {
          raw: () => raw.transaction.create(set()),
          http: () => withDeadline((ctx) => http.txn(set(), 'write', ctx)),
          store: () => store.put('k', `v${++n}`),
        };
  for (const name of names) if (!(name in sides)) throw new Error(`unknown side ${name}`);
  await store.put('k', 'v0');
  const usPerOp: number[][] = names.map(() => []);
  const cpuPerOp: number[][] = names.map(() => []);
  for (let r = -1; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const j = (i + Math.max(r, 0)) % names.length;
      const op = sides[names[j] as string] as () => Promise<unknown>;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: workers }, async () => {
          for (let k = 0; k < perWorker; k++) await op();
        }),
      );
      const cpu = process.cpuUsage(cpu0);
      // Round -1 warms every side up (connections, JIT) and is not counted.
      if (r < 0) continue;
      usPerOp[j]?.push(((performance.now() - t0) * 1000) / (workers * perWorker));
      cpuPerOp[j]?.push((cpu.user + cpu.system) / (workers * perWorker));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
  const first = usPerOp[0] as number[];
  names.forEach((name, j) => {
    const ratio = median((usPerOp[j] as number[]).map((us, r) => (first[r] as number) / us));
    console.log(
      `${mode} ×${workers} ${name.padEnd(6)} ${median(usPerOp[j] as number[]).toFixed(0)} µs/op, ` +
        `ops/s ${(ratio * 100).toFixed(1)}% of ${names[0]}, client CPU ${median(cpuPerOp[j] as number[]).toFixed(0)} µs/op`,
    );
  });
  await store.close();
  http.close();
  raw.destroy();
} finally {
  await cluster.stop();
}
