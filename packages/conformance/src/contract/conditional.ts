import assert from 'node:assert/strict';
import { toText } from '@strongbox/core';
import { type ContractCase, textOf } from './context.js';

export const conditionalCases: ContractCase[] = [
  {
    group: 'conditional writes',
    name: 'putIfAbsent writes an absent key and loses on a present one, returning the current entry',
    async run({ store }) {
      const won = await store.putIfAbsent('k', 'first');
      assert.ok(won.ok, 'putIfAbsent on an absent key must win');
      const lost = await store.putIfAbsent('k', 'second');
      assert.equal(lost.ok, false, 'putIfAbsent on a present key must lose');
      if (lost.ok) return;
      assert.equal(lost.current?.key, 'k');
      assert.equal(lost.current && toText(lost.current.value), 'first');
      assert.equal(lost.current?.version, won.version);
      assert.equal(await textOf(store, 'k'), 'first');
    },
  },
  {
    group: 'conditional writes',
    name: 'putIfVersion wins with the current version and loses with a stale one',
    async run({ store }) {
      const v1 = (await store.put('k', 'one')).version;
      const r2 = await store.putIfVersion('k', 'two', v1);
      assert.ok(r2.ok, 'the current version must match');
      assert.notEqual(r2.version, v1);
      const stale = await store.putIfVersion('k', 'three', v1);
      assert.equal(stale.ok, false, 'a stale version must not match');
      if (!stale.ok) assert.equal(stale.current?.version, r2.version);
      assert.equal(await textOf(store, 'k'), 'two');
      const r3 = await store.putIfVersion('k', 'three', r2.version);
      assert.ok(r3.ok, 'the version returned by a conditional write is the next condition');
    },
  },
  {
    group: 'conditional writes',
    name: 'a version from before delete and re-create never matches (no ABA)',
    async run({ store }) {
      const old = (await store.put('k', 'same')).version;
      assert.deepEqual(await store.delete('k'), { deleted: true });
      const absent = await store.putIfVersion('k', 'x', old);
      assert.equal(absent.ok, false, 'a deleted key must not match its old version');
      if (!absent.ok) assert.equal(absent.current, undefined);
      assert.equal(await store.get('k'), undefined, 'the failed write must not create the key');
      const recreated = (await store.put('k', 'same')).version;
      assert.notEqual(recreated, old, 'a re-created key must get a new version');
      const stale = await store.putIfVersion('k', 'x', old);
      assert.equal(stale.ok, false, 'the old version must not match the new incarnation');
      const staleDelete = await store.deleteIfVersion('k', old);
      assert.equal(staleDelete.ok, false, 'deleteIfVersion with the old version must not match');
      assert.equal(await textOf(store, 'k'), 'same');
    },
  },
  {
    group: 'conditional writes',
    name: 'versions stay unique over many delete and re-create cycles',
    async run({ store }) {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const c = await store.putIfAbsent('k', 'v');
        assert.ok(c.ok);
        seen.add(c.version);
        const u = await store.putIfVersion('k', 'w', c.version);
        assert.ok(u.ok);
        seen.add(u.version);
        assert.deepEqual(await store.deleteIfVersion('k', u.version), { ok: true });
      }
      assert.equal(seen.size, 12, 'every write must get a version never used before for this key');
    },
  },
  {
    group: 'conditional writes',
    name: 'rewriting the same bytes is a new write: a new version, and one winner from one version',
    async run({ store, replicas }) {
      // Some backends skip a write that changes nothing and keep the old version (Consul does):
      // then two replicas accepting the same payment from the same version would both win.
      const v1 = (await store.put('k', 'same')).version;
      const v2 = (await store.put('k', 'same')).version;
      assert.notEqual(v2, v1, 'rewriting identical bytes must give a new version');
      const results = await Promise.all(replicas.map((r) => r.putIfVersion('k', 'accepted', v2)));
      assert.equal(
        results.filter((r) => r.ok).length,
        1,
        'exactly one putIfVersion from one version may win',
      );
      const again = await store.putIfVersion('k', 'accepted', v2);
      assert.equal(again.ok, false, 'the version is spent once a write from it succeeded');
      const winner = results.find((r) => r.ok);
      assert.ok(winner?.ok);
      const same = await store.compareAndSwap('k', 'accepted', 'accepted');
      assert.ok(same.ok, 'a value CAS to the same bytes succeeds');
      assert.notEqual(same.version, winner.version, 'and gives a new version too');
    },
  },
  {
    group: 'conditional writes',
    name: 'compareAndSwap swaps on an equal value and loses on a different one',
    async run({ store }) {
      await store.put('k', 'a');
      const won = await store.compareAndSwap('k', 'a', 'b');
      assert.ok(won.ok);
      assert.equal((await store.get('k'))?.version, won.version);
      const lost = await store.compareAndSwap('k', 'a', 'c');
      assert.equal(lost.ok, false);
      if (!lost.ok) assert.equal(lost.current && toText(lost.current.value), 'b');
      assert.equal(await textOf(store, 'k'), 'b');
    },
  },
  {
    group: 'conditional writes',
    name: 'compareAndSwap never matches an absent key, not even with an empty expected value',
    async run({ store }) {
      const r = await store.compareAndSwap('k', '', 'x');
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.current, undefined);
      assert.equal(await store.get('k'), undefined);
      await store.put('k', '');
      assert.ok((await store.compareAndSwap('k', '', 'x')).ok, 'an empty value is a value and matches ""');
    },
  },
  {
    group: 'conditional writes',
    name: 'compareAndSwap compares bytes exactly',
    async run({ store }) {
      await store.put('k', Uint8Array.of(1, 2, 3));
      assert.equal((await store.compareAndSwap('k', Uint8Array.of(1, 2), 'x')).ok, false);
      assert.equal((await store.compareAndSwap('k', Uint8Array.of(1, 2, 3, 0), 'x')).ok, false);
      assert.ok((await store.compareAndSwap('k', Uint8Array.of(1, 2, 3), 'x')).ok);
    },
  },
  {
    group: 'conditional writes',
    name: 'deleteIfVersion deletes on the current version only',
    async run({ store }) {
      const v1 = (await store.put('k', 'a')).version;
      const v2 = (await store.put('k', 'b')).version;
      const stale = await store.deleteIfVersion('k', v1);
      assert.equal(stale.ok, false);
      if (!stale.ok) assert.equal(stale.current?.version, v2);
      assert.equal(await textOf(store, 'k'), 'b');
      assert.deepEqual(await store.deleteIfVersion('k', v2), { ok: true });
      assert.equal(await store.get('k'), undefined);
      const gone = await store.deleteIfVersion('k', v2);
      assert.deepEqual(gone, { ok: false, current: undefined });
    },
  },
];
