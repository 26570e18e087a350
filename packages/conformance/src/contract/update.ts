import assert from 'node:assert/strict';
import { toText } from '@strongbox/core';
import { type ContractCase, textOf } from './context.js';

const num = (v: Uint8Array | undefined) => (v === undefined ? 0 : Number(toText(v)));

export const updateCases: ContractCase[] = [
  {
    group: 'update',
    name: 'commits the planned writes in one attempt when nothing interferes',
    async run({ store }) {
      await store.put('a', '10');
      const r = await store.update(['a', 'b'], (cur) => {
        const a = num(cur.get('a')?.value);
        assert.equal(cur.get('b'), undefined, 'an absent key reads as undefined');
        return {
          operations: [
            { type: 'put', key: 'a', value: String(a - 3) },
            { type: 'put', key: 'b', value: '3' },
          ],
          result: a,
        };
      });
      assert.ok(r.ok);
      assert.equal(r.attempts, 1);
      assert.equal(r.result, 10);
      assert.equal((await store.get('a'))?.version, r.versions.get('a'));
      assert.equal(await textOf(store, 'a'), '7');
      assert.equal(await textOf(store, 'b'), '3');
    },
  },
  {
    group: 'update',
    name: 'declining writes nothing and reports it',
    async run({ store }) {
      await store.put('a', '1');
      const r = await store.update(['a'], () => undefined);
      assert.deepEqual(r, { ok: false, reason: 'declined', attempts: 1 });
      assert.equal(await textOf(store, 'a'), '1');
    },
  },
  {
    group: 'update',
    name: 're-reads and retries when a key changed between read and commit',
    async run({ store, replicas }) {
      const other = replicas[1] ?? store;
      await store.put('n', '0');
      const seen: number[] = [];
      const r = await store.update(['n'], async (cur, attempt) => {
        const n = num(cur.get('n')?.value);
        seen.push(n);
        if (attempt === 1) await other.put('n', '100');
        return { operations: [{ type: 'put', key: 'n', value: String(n + 1) }] };
      });
      assert.ok(r.ok);
      assert.equal(r.attempts, 2);
      assert.deepEqual(seen, [0, 100], 'the retry must see the concurrent write');
      assert.equal(await textOf(store, 'n'), '101');
    },
  },
  {
    group: 'update',
    name: 'a key created concurrently counts as a change',
    async run({ store, replicas }) {
      const other = replicas[1] ?? store;
      const r = await store.update(
        ['fresh'],
        async (cur, attempt) => {
          if (attempt === 1) {
            assert.equal(cur.get('fresh'), undefined);
            await other.put('fresh', 'theirs');
          }
          return cur.get('fresh') === undefined
            ? { operations: [{ type: 'put', key: 'fresh', value: 'mine' }] }
            : undefined;
        },
        { maxAttempts: 3 },
      );
      assert.deepEqual(r, { ok: false, reason: 'declined', attempts: 2 });
      assert.equal(await textOf(store, 'fresh'), 'theirs');
    },
  },
  {
    group: 'update',
    name: 'gives up after maxAttempts with reason conflict, having written nothing of its own',
    async run({ store, replicas }) {
      const other = replicas[1] ?? store;
      await store.put('n', '0');
      let calls = 0;
      const r = await store.update(
        ['n'],
        async () => {
          calls++;
          await other.put('n', `interference-${calls}`);
          return { operations: [{ type: 'put', key: 'n', value: 'mine' }] };
        },
        { maxAttempts: 3, initialBackoffMs: 1 },
      );
      assert.deepEqual(r, { ok: false, reason: 'conflict', attempts: 3 });
      assert.equal(calls, 3);
      assert.equal(await textOf(store, 'n'), 'interference-3');
    },
  },
];
