import assert from 'node:assert/strict';
import { contractLimits } from '@strongbox/core';
import { type ContractCase, failsWith, rejectsWith } from './context.js';

export const limitCases: ContractCase[] = [
  {
    group: 'limits and errors',
    name: 'declares linearizable reads, transactions and the contract limits',
    async run({ raw }) {
      const c = raw.capabilities;
      assert.equal(c.readConsistency, 'linearizable', `${raw.backend} must offer linearizable reads`);
      assert.equal(c.transactions, true);
      assert.equal(c.maxKeyBytes, contractLimits.maxKeyBytes);
      assert.equal(c.maxValueBytes, contractLimits.maxValueBytes);
      assert.equal(c.maxTransactionItems, contractLimits.maxTransactionItems);
      assert.equal(c.maxTransactionBytes, contractLimits.maxTransactionBytes);
    },
  },
  {
    group: 'limits and errors',
    name: 'keys of exactly the byte limit work; empty, longer or malformed keys are INVALID_ARGUMENT',
    async run({ raw, prefix }) {
      const max = raw.capabilities.maxKeyBytes;
      // 'é' is two bytes: the limit counts UTF-8 bytes, not characters.
      const room = max - Buffer.byteLength(prefix);
      const longest = prefix + 'é'.repeat(Math.floor(room / 2)) + 'x'.repeat(room % 2);
      assert.equal(Buffer.byteLength(longest), max);
      await raw.put(longest, 'v');
      assert.equal((await raw.get(longest))?.key, longest);
      assert.deepEqual(await raw.delete(longest), { deleted: true });
      const over = `${longest}x`;
      for (const bad of ['', over, `${prefix}lone-\ud800-surrogate`]) {
        await failsWith(() => raw.put(bad, 'v'), 'INVALID_ARGUMENT');
        await failsWith(() => raw.get(bad), 'INVALID_ARGUMENT');
        await failsWith(() => raw.putIfAbsent(bad, 'v'), 'INVALID_ARGUMENT');
        await failsWith(() => raw.delete(bad), 'INVALID_ARGUMENT');
      }
      await failsWith(() => raw.get(undefined as unknown as string), 'INVALID_ARGUMENT');
      assert.deepEqual(await raw.list(prefix), []);
    },
  },
  {
    group: 'limits and errors',
    name: 'a value of exactly the size limit round-trips; one byte more is VALUE_TOO_LARGE and writes nothing',
    timeoutMs: 60_000,
    async run({ store }) {
      const max = store.capabilities.maxValueBytes;
      const big = Uint8Array.from({ length: max }, (_, i) => (i * 7919) & 0xff);
      await store.put('big', big);
      assert.deepEqual((await store.get('big'))?.value, big);
      const tooBig = new Uint8Array(max + 1);
      await failsWith(() => store.put('huge', tooBig), 'VALUE_TOO_LARGE');
      await failsWith(() => store.putIfAbsent('huge', tooBig), 'VALUE_TOO_LARGE');
      await failsWith(() => store.compareAndSwap('big', big, tooBig), 'VALUE_TOO_LARGE');
      await failsWith(
        () => store.transaction({ operations: [{ type: 'put', key: 'huge', value: tooBig }] }),
        'VALUE_TOO_LARGE',
      );
      assert.equal(await store.get('huge'), undefined);
      assert.deepEqual((await store.get('big'))?.value, big);
    },
  },
  {
    group: 'limits and errors',
    name: 'a transaction at the item limit commits; over the byte limit it is VALUE_TOO_LARGE and writes nothing',
    timeoutMs: 60_000,
    async run({ store }) {
      const n = store.capabilities.maxTransactionItems;
      const r = await store.transaction({
        conditions: [{ type: 'absent', key: 'cond' }],
        operations: Array.from({ length: n - 1 }, (_, i) => ({
          type: 'put' as const,
          key: `item${i}`,
          value: String(i),
        })),
      });
      assert.ok(r.ok, `a transaction of ${n} items must commit`);
      assert.equal((await store.list('item')).length, n - 1);
      const half = Math.ceil(store.capabilities.maxTransactionBytes / 2);
      await failsWith(
        () =>
          store.transaction({
            operations: [
              { type: 'put', key: 'x1', value: new Uint8Array(half) },
              { type: 'put', key: 'x2', value: new Uint8Array(half) },
            ],
          }),
        'VALUE_TOO_LARGE',
      );
      assert.equal(await store.get('x1'), undefined);
    },
  },
  {
    group: 'limits and errors',
    name: 'bad call options are INVALID_ARGUMENT; an aborted signal is ABORTED before sending',
    async run({ store }) {
      await failsWith(() => store.get('k', { timeoutMs: -1 }), 'INVALID_ARGUMENT');
      await failsWith(() => store.put('k', 'v', { timeoutMs: 0 }), 'INVALID_ARGUMENT');
      await failsWith(() => store.list('', { limit: 0 }), 'INVALID_ARGUMENT');
      await failsWith(() => store.put('k', 42 as unknown as string), 'INVALID_ARGUMENT');
      const signal = AbortSignal.abort(new Error('caller gave up'));
      await failsWith(() => store.put('k', 'v', { signal }), 'ABORTED');
      assert.equal(await store.get('k'), undefined, 'an aborted write must not be sent');
    },
  },
  {
    group: 'limits and errors',
    name: 'after close every call fails with CLOSED; close is idempotent',
    async run({ open, prefix }) {
      const s = await open();
      await s.put(`${prefix}k`, 'v');
      await s.close();
      await s.close();
      await rejectsWith(s.get(`${prefix}k`), 'CLOSED');
      await rejectsWith(s.put(`${prefix}k`, 'v'), 'CLOSED');
      await rejectsWith(s.list(prefix), 'CLOSED');
      await rejectsWith(s.transaction({ operations: [{ type: 'delete', key: `${prefix}k` }] }), 'CLOSED');
      await failsWith(() => s.update([`${prefix}k`], () => undefined), 'CLOSED');
      const t = await open();
      await t[Symbol.asyncDispose]();
      await rejectsWith(t.get(`${prefix}k`), 'CLOSED');
    },
  },
];
