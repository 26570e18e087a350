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
import { median } from '@strongbox/bench';
import { startCluster } from '@strongbox/cluster';
import { type CallContext, createStore, parseStoreConfig, timedContext } from '@strongbox/core';
import Consul from 'consul';
import { ConsulHttp } from '../src/client.js';
import { ALONE, type RoundFigures, rotatingRounds } from './rounds.js';

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
  const store = await createStore({
    backend: 'consul',
    endpoints: [endpoint],
    requestTimeoutMs: 10_000,
    ...ALONE,
  });
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
  const figures = await rotatingRounds(
    names.map((name) => sides[name] as () => Promise<unknown>),
    { workers, rounds, perWorker, warmRounds: 1 },
  );
  const first = (figures[0] as RoundFigures).wallUs;
  names.forEach((name, j) => {
    const f = figures[j] as RoundFigures;
    const ratio = median(f.wallUs.map((us, r) => (first[r] as number) / us));
    console.log(
      `${mode} ×${workers} ${name.padEnd(6)} ${median(f.wallUs).toFixed(0)} µs/op, ` +
        `ops/s ${(ratio * 100).toFixed(1)}% of ${names[0]}, client CPU ${median(f.cpuUs).toFixed(0)} µs/op`,
    );
  });
  await store.close();
  http.close();
  raw.destroy();
} finally {
  await cluster.stop();
}
