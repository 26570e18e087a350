/**
 * The client-side cost of a call, with the server taken out: a canned-answer HTTP server (in a
 * child process, answering every KV read and transaction at once with a fixed Consul-shaped
 * body) stands in for Consul, so what differs between two sides is only client work. Not a
 * test of Consul (nothing here checks an answer's meaning): a diagnosis of where client time goes.
 * Rounds of `ops` calls per worker alternate between the two sides (the order flipping every
 * round); it prints each side's median client CPU and wall time per call, and the typical
 * difference B − A from pairs of rounds that ran in both orders (see rotationMedian), which is the
 * figure to read on a shared machine.
 *
 *   taskset -c 0 node --import tsx packages/consul/bench/client-cost.ts <get|put> <workers> <rounds> <ops> <A> <B>
 *
 * Sides: raw (the `consul` client), raw+timer (the same with a setTimeout and clearTimeout per
 * call, as the store did before 2026-12-07), store (the whole strongbox store).
 * The canned server runs pinned to the other core when `taskset` is available.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { median } from '@strongbox/bench';
import { createStore } from '@strongbox/core';
import Consul from 'consul';
import { ALONE, type RoundFigures, rotatingRounds, rotationMedian } from './rounds.js';

interface RawConsul {
  kv: {
    get(opts: { key: string; consistent: boolean }): Promise<{ Value: string | null; ModifyIndex: number }>;
  };
  transaction: {
    create(ops: readonly object[]): Promise<{ Results: Array<{ KV: { ModifyIndex: number } }> }>;
  };
  destroy(): void;
}

const CANNED = `
  const http = require('node:http');
  const entry = { LockIndex: 0, Key: 'k', Flags: 0, Value: 'djE=', CreateIndex: 10, ModifyIndex: 12 };
  const kv = JSON.stringify([entry]);
  const txn = JSON.stringify({ Results: [{ KV: { ...entry, Value: null, ModifyIndex: 13 } }], Errors: null });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = req.url.startsWith('/v1/txn') ? txn : req.url.startsWith('/v1/status') ? '"127.0.0.1:8300"' : kv;
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Consul-Index': '12', 'X-Consul-Knownleader': 'true' });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

const [mode = 'get', workersArg = '1', roundsArg = '60', opsArg = '200', a = 'raw', b = 'store'] =
  process.argv.slice(2);
const workers = Number(workersArg);
const rounds = Number(roundsArg);
const perWorker = Number(opsArg);
const known = ['raw', 'raw+timer', 'store'];
if (
  !['get', 'put'].includes(mode) ||
  !(workers > 0 && rounds > 0 && perWorker > 0) ||
  ![a, b].every((s) => known.includes(s))
) {
  console.error(
    'usage: client-cost.ts <get|put> <workers> <rounds> <ops> <raw|raw+timer|store> <raw|raw+timer|store>',
  );
  process.exit(2);
}

const pinned = existsSync('/usr/bin/taskset');
const server = spawn(
  pinned ? '/usr/bin/taskset' : process.execPath,
  [...(pinned ? ['-c', '1', process.execPath] : []), '-e', CANNED],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise<number>((resolve, reject) => {
  server.on('error', reject);
  createInterface({ input: server.stdout }).once('line', (l) => resolve(Number(l)));
});
try {
  const endpoint = `127.0.0.1:${port}`;
  const raw = new Consul({ host: '127.0.0.1', port }) as unknown as RawConsul;
  const store = await createStore({
    backend: 'consul',
    endpoints: [endpoint],
    requestTimeoutMs: 10_000,
    ...ALONE,
  });
  const decoder = new TextDecoder();
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  let n = 0;
  const rawCall =
    mode === 'get'
      ? async () => {
          const e = await raw.kv.get({ key: 'k', consistent: true });
          return { value: e.Value ?? '', version: String(e.ModifyIndex) };
        }
      : async () => {
          const out = await raw.transaction.create([
            { KV: { Verb: 'set', Key: 'k', Value: b64(`v${++n}`) } },
          ]);
          return String(out.Results[0]?.KV.ModifyIndex);
        };
  const sides: Record<string, () => Promise<unknown>> = {
    raw: rawCall,
    'raw+timer': async () => {
      const timer = setTimeout(() => {}, 10_000);
      try {
        return await rawCall();
      } finally {
        clearTimeout(timer);
      }
    },
    store:
      mode === 'get'
        ? async () => {
            const e = await store.get('k');
            return e && { value: decoder.decode(e.value), version: e.version };
          }
        : async () => (await store.put('k', `v${++n}`)).version,
  };
  const names = [a, b];
  const [fa, fb] = (await rotatingRounds(
    names.map((name) => sides[name] as () => Promise<unknown>),
    { workers, rounds, perWorker, warmRounds: 3 },
  )) as [RoundFigures, RoundFigures];
  const diff = (pick: (f: RoundFigures) => number[]) => rotationMedian(pick(fa), pick(fb), names.length);
  [fa, fb].forEach((f, i) => {
    console.log(
      `${mode} ×${workers} ${names[i]}: client CPU ${median(f.cpuUs).toFixed(1)} µs/call, wall ${median(f.wallUs).toFixed(1)} µs/call`,
    );
  });
  console.log(
    `  ${b} − ${a}, median over pairs of rounds (both orders): CPU ${diff((f) => f.cpuUs).toFixed(1)} µs/call, ` +
      `wall ${diff((f) => f.wallUs).toFixed(1)} µs/call`,
  );
  await store.close();
  raw.destroy();
} finally {
  server.kill();
}
