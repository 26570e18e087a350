import assert from 'node:assert/strict';
import type { Condition } from '@strongbox/core';
import { type ContractCase, failsWith, textOf } from './context.js';

export const transactionCases: ContractCase[] = [
  {
    group: 'transactions',
    name: 'applies every operation when every condition holds, returning each new version',
    async run({ store }) {
      const va = (await store.put('a', 'a0')).version;
      await store.put('gone', 'x');
      const r = await store.transaction({
        conditions: [
          { type: 'version', key: 'a', version: va },
          { type: 'absent', key: 'b' },
          { type: 'present', key: 'gone' },
        ],
        operations: [
          { type: 'put', key: 'a', value: 'a1' },
          { type: 'put', key: 'b', value: 'b1' },
          { type: 'delete', key: 'gone' },
        ],
      });
      assert.ok(r.ok, 'all conditions hold');
      assert.deepEqual([...r.versions.keys()].sort(), ['a', 'b']);
      assert.equal((await store.get('a'))?.version, r.versions.get('a'));
      assert.equal((await store.get('b'))?.version, r.versions.get('b'));
      assert.equal(await textOf(store, 'a'), 'a1');
      assert.equal(await textOf(store, 'b'), 'b1');
      assert.equal(await store.get('gone'), undefined);
    },
  },
  {
    group: 'transactions',
    name: 'applies nothing when any one condition fails',
    async run({ store }) {
      const va = (await store.put('a', 'a0')).version;
      const vb = (await store.put('b', 'b0')).version;
      await store.put('b', 'b0-changed');
      const failing: Condition[][] = [
        [{ type: 'version', key: 'b', version: vb }],
        [{ type: 'value', key: 'b', value: 'b0' }],
        [{ type: 'absent', key: 'a' }],
        [{ type: 'present', key: 'missing' }],
        [{ type: 'value', key: 'missing', value: '' }],
      ];
      for (const extra of failing) {
        const r = await store.transaction({
          conditions: [{ type: 'version', key: 'a', version: va }, ...extra],
          operations: [
            { type: 'put', key: 'a', value: 'changed' },
            { type: 'delete', key: 'b' },
            { type: 'put', key: 'c', value: 'new' },
          ],
        });
        assert.deepEqual(r, { ok: false }, `condition ${JSON.stringify(extra)} must fail`);
        assert.equal(await textOf(store, 'a'), 'a0');
        assert.equal(await textOf(store, 'b'), 'b0-changed');
        assert.equal(await store.get('c'), undefined);
      }
    },
  },
  {
    group: 'transactions',
    name: 'each condition type holds when it should',
    async run({ store }) {
      const v = (await store.put('k', 'val')).version;
      const holds: Condition[] = [
        { type: 'version', key: 'k', version: v },
        { type: 'value', key: 'k', value: 'val' },
        { type: 'present', key: 'k' },
        { type: 'absent', key: 'nope' },
      ];
      for (const c of holds) {
        const r = await store.transaction({
          conditions: [c],
          operations: [{ type: 'put', key: 'marker', value: c.type }],
        });
        assert.ok(r.ok, `${c.type} condition must hold`);
        assert.equal(await textOf(store, 'marker'), c.type);
      }
    },
  },
  {
    group: 'transactions',
    name: 'a conditions-only transaction reports whether they hold and writes nothing',
    async run({ store }) {
      const v = (await store.put('k', 'v')).version;
      assert.ok(
        (await store.transaction({ conditions: [{ type: 'version', key: 'k', version: v }], operations: [] }))
          .ok,
      );
      assert.deepEqual(
        await store.transaction({ conditions: [{ type: 'absent', key: 'k' }], operations: [] }),
        { ok: false },
      );
      assert.equal((await store.get('k'))?.version, v);
    },
  },
  {
    group: 'transactions',
    name: 'versions written by transactions are never reused after delete',
    async run({ store }) {
      const first = await store.transaction({ operations: [{ type: 'put', key: 'k', value: 'v' }] });
      assert.ok(first.ok);
      const old = first.versions.get('k');
      assert.ok(old);
      await store.transaction({ operations: [{ type: 'delete', key: 'k' }] });
      const again = await store.transaction({ operations: [{ type: 'put', key: 'k', value: 'v' }] });
      assert.ok(again.ok);
      assert.notEqual(again.versions.get('k'), old);
      const stale = await store.transaction({
        conditions: [{ type: 'version', key: 'k', version: old }],
        operations: [{ type: 'delete', key: 'k' }],
      });
      assert.deepEqual(stale, { ok: false });
      assert.equal(await textOf(store, 'k'), 'v');
    },
  },
  {
    group: 'transactions',
    name: 'malformed transactions are refused before anything is sent',
    async run({ store }) {
      await failsWith(
        () =>
          store.transaction({
            operations: [
              { type: 'put', key: 'dup', value: '1' },
              { type: 'delete', key: 'dup' },
            ],
          }),
        'INVALID_ARGUMENT',
      );
      await failsWith(() => store.transaction({ operations: [] }), 'INVALID_ARGUMENT');
      const max = store.capabilities.maxTransactionItems;
      await failsWith(
        () =>
          store.transaction({
            operations: Array.from({ length: max + 1 }, (_, i) => ({
              type: 'put' as const,
              key: `many${i}`,
              value: 'x',
            })),
          }),
        'INVALID_ARGUMENT',
      );
      await failsWith(
        () =>
          store.transaction({
            operations: [
              { type: 'put', key: '', value: 'x' },
              { type: 'put', key: 'ok', value: 'x' },
            ],
          }),
        'INVALID_ARGUMENT',
      );
      assert.deepEqual(await store.list(''), [], 'a refused transaction must write nothing');
    },
  },
];
