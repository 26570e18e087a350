/**
 * strongbox's own client work per call, with no I/O at all: the `consul` client's `kv.get` (and the
 * `status.leader` the store's open probes with) are replaced in this process by an in-process stub
 * that answers on the next microtask with a fresh entry shaped as the client's would be. Both sides
 * call the same stub, so B − A is the store, driver and adapter HTTP layer alone. A diagnosis, not a
 * test of anything Consul does: compare it with `client-cost.ts get` (the same calls over HTTP to a
 * canned server) to see how much of the gap appears only when real requests run in between.
 *
 * `put` stubs `transaction.create` the same way, answering a `/v1/txn` write with its new entry.
 *
 * `cold` instead of a worker count runs one call at a time and, before each, writes over 32 MiB of
 * memory, so every call finds the CPU caches evicted, as a call at one worker does after the idle
 * wait for its answer (while the servers run); it reports the median time per call of each side.
 *
 *   taskset -c 0 node --import tsx packages/consul/bench/own-cost.ts <get|put> [workers|cold] [rounds] [ops]
 */
import { createRequire } from 'node:module';
import { median } from '@strongbox/bench';
import { createStore } from '@strongbox/core';
import Consul from 'consul';
import { ALONE, type RoundFigures, rotatingRounds, rotationMedian } from './rounds.js';

const [mode = 'get', workersArg = '64', roundsArg = '40', opsArg = '500'] = process.argv.slice(2);
const cold = workersArg === 'cold';
const workers = cold ? 1 : Number(workersArg);
const rounds = Number(roundsArg);
const perWorker = Number(opsArg);
if (!['get', 'put'].includes(mode) || !(workers > 0 && rounds > 3 && perWorker > 0)) {
  console.error('usage: own-cost.ts <get|put> [workers|cold] [rounds > 3] [ops]');
  process.exit(2);
}

interface KvGetOptions {
  key: string;
  buffer?: boolean;
}
const require = createRequire(import.meta.url);
const { Kv } = require('consul/lib/kv') as {
  Kv: { prototype: { get(opts: KvGetOptions): Promise<unknown> } };
};
const { Status } = require('consul/lib/status') as { Status: { prototype: { leader(): Promise<string> } } };
const decoded = Buffer.from('djE=', 'base64');
Kv.prototype.get = async (opts: KvGetOptions) => {
  await null;
  // A fresh object per call, as the client's JSON parse makes; the value as bytes or as a string.
  const value = Buffer.from(decoded);
  return {
    LockIndex: 0,
    Key: opts.key,
    Flags: 0,
    Value: opts.buffer ? value : value.toString(),
    CreateIndex: 10,
    ModifyIndex: 12,
  };
};
type TxnOp = { KV: { Key: string; Flags?: number } };
const { Transaction } = require('consul/lib/transaction') as {
  Transaction: { prototype: { create(ops: readonly TxnOp[]): Promise<unknown> } };
};
let index = 100;
Transaction.prototype.create = async (ops: readonly TxnOp[]) => {
  await null;
  const op = ops[0] as TxnOp;
  const entry = { LockIndex: 0, Key: op.KV.Key, Flags: op.KV.Flags ?? 0, Value: null, CreateIndex: 10 };
  return { Results: [{ KV: { ...entry, ModifyIndex: ++index } }], Errors: null };
};
Status.prototype.leader = async () => '127.0.0.1:8300';

// Nothing listens on the endpoint: no request leaves this process.
const raw = new Consul({ host: '127.0.0.1', port: 9 }) as unknown as {
  kv: { get(opts: { key: string; consistent: boolean }): Promise<unknown> };
  transaction: {
    create(ops: readonly object[]): Promise<{ Results: Array<{ KV: { ModifyIndex: number } }> }>;
  };
  destroy(): void;
};
const store = await createStore({
  backend: 'consul',
  endpoints: ['127.0.0.1:9'],
  requestTimeoutMs: 10_000,
  ...ALONE,
});
let n = 0;
const b64 = (v: string) => Buffer.from(v).toString('base64');
const sides: Array<() => Promise<unknown>> =
  mode === 'get'
    ? [() => raw.kv.get({ key: 'k', consistent: true }), () => store.get('k')]
    : [
        async () => {
          const out = await raw.transaction.create([
            { KV: { Verb: 'set', Key: 'k', Value: b64(`v${++n}`) } },
          ]);
          return String(out.Results[0]?.KV.ModifyIndex);
        },
        async () => (await store.put('k', `v${++n}`)).version,
      ];
if (cold) {
  const junk = new Uint8Array(32 * 1024 * 1024);
  const evict = () => {
    for (let k = 0; k < junk.length; k += 64) junk[k] = ((junk[k] as number) + 1) & 0xff;
  };
  const times: [number[], number[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? [0, 1] : [1, 0]) {
      for (let i = 0; i < perWorker; i++) {
        evict();
        const t0 = performance.now();
        await (sides[side] as () => Promise<unknown>)();
        if (round >= 3) times[side as 0 | 1].push((performance.now() - t0) * 1000);
      }
    }
  }
  const [a, b] = [median(times[0]), median(times[1])];
  console.log(
    `${mode} ×1, caches evicted before each call, no I/O: raw client ${a.toFixed(1)} µs/call, store ${b.toFixed(1)} µs/call, store − raw ${(b - a).toFixed(1)} µs`,
  );
} else {
  const [fa, fb] = (await rotatingRounds(sides, { workers, rounds, perWorker, warmRounds: 3 })) as [
    RoundFigures,
    RoundFigures,
  ];
  console.log(
    `${mode} ×${workers}, no I/O: raw client ${median(fa.cpuUs).toFixed(2)} µs/call, store ${median(fb.cpuUs).toFixed(2)} µs/call, ` +
      `store − raw ${rotationMedian(fa.cpuUs, fb.cpuUs, 2).toFixed(2)} µs of CPU per call`,
  );
}
await store.close();
raw.destroy();
