import assert from 'node:assert/strict';
import { compareKeys, toText } from '@strongbox/core';
import { type ContractCase, textOf } from './context.js';

/** Keys that need encoding on some backend: separators, URL syntax, unicode, control characters. */
export const awkwardKeys = [
  'plain',
  'a/b/c',
  '/leading-slash',
  'trailing-slash/',
  'double//slash',
  '..',
  '.',
  'dot.dot..',
  'with space',
  'per%cent%2F',
  'query?x=1&y=2',
  'hash#frag',
  'back\\slash',
  'tab\tnew\nline',
  'nul\u0000byte',
  'ünïcödé-κλειδί-鍵',
  'emoji-💳',
  '*?[]{}|<>"\'`',
  '~!@$^()+=,;:',
];

export const basicCases: ContractCase[] = [
  {
    group: 'basics',
    name: 'get of an absent key is undefined',
    async run({ store }) {
      assert.equal(await store.get('never-written'), undefined);
    },
  },
  {
    group: 'basics',
    name: 'put returns a version that get reports with the value',
    async run({ store }) {
      const { version } = await store.put('k', 'hello');
      assert.equal(typeof version, 'string');
      const e = await store.get('k');
      assert.ok(e, 'the key must be present after put');
      assert.equal(e.key, 'k');
      assert.equal(toText(e.value), 'hello');
      assert.equal(e.version, version);
    },
  },
  {
    group: 'basics',
    name: 'values are bytes: binary, empty and UTF-8 values round-trip exactly',
    async run({ store }) {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.put('bin', all);
      assert.deepEqual((await store.get('bin'))?.value, all);
      await store.put('empty', new Uint8Array());
      assert.equal((await store.get('empty'))?.value.byteLength, 0);
      await store.put('text', 'Zahlung ✓ 支付');
      assert.equal(await textOf(store, 'text'), 'Zahlung ✓ 支付');
    },
  },
  {
    group: 'basics',
    name: 'a Buffer changed after its put does not change what is stored, or what a CAS compares against',
    async run({ store }) {
      // Node's Buffer#slice is a view, not a copy: a store that "copies" with slice keeps the
      // caller's memory, and a value-CAS could then win against bytes that were never stored.
      const buf = Buffer.from('original');
      await store.put('k', buf);
      buf.write('mutated!');
      assert.equal(await textOf(store, 'k'), 'original');
      const cas = await store.compareAndSwap('k', Buffer.from('mutated!'), 'next');
      assert.equal(cas.ok, false, 'a CAS on bytes the key never held must lose');
      assert.equal(await textOf(store, 'k'), 'original');
      const read = await store.get('k');
      assert.ok(read);
      // Changing what a read returned must not change the store either.
      read.value.fill(0x78);
      assert.equal(await textOf(store, 'k'), 'original');
    },
  },
  {
    group: 'basics',
    name: 'every write gets a new version; put overwrites',
    async run({ store }) {
      const versions = new Set<string>();
      for (let i = 0; i < 5; i++) versions.add((await store.put('k', `v${i}`)).version);
      assert.equal(versions.size, 5, 'five writes must give five distinct versions');
      assert.equal(await textOf(store, 'k'), 'v4');
    },
  },
  {
    group: 'basics',
    name: 'any UTF-8 key round-trips through put, get, list and delete',
    async run({ store }) {
      for (const key of awkwardKeys) await store.put(key, `value of ${key}`);
      for (const key of awkwardKeys)
        assert.equal(await textOf(store, key), `value of ${key}`, `key ${JSON.stringify(key)}`);
      const listed = await store.list('');
      assert.deepEqual(
        listed.map((e) => e.key),
        [...awkwardKeys].sort(compareKeys),
      );
      for (const e of listed) assert.equal(toText(e.value), `value of ${e.key}`);
      for (const key of awkwardKeys)
        assert.deepEqual(await store.delete(key), { deleted: true }, `delete ${JSON.stringify(key)}`);
      assert.deepEqual(await store.list(''), []);
    },
  },
  {
    group: 'basics',
    name: 'list(prefix) returns exactly the keys starting with prefix, sorted by UTF-8 bytes',
    async run({ store }) {
      const keys = ['a', 'a/b', 'a/c/d', 'ab', 'abc', 'b', 'a-', 'a\u{10000}', 'a\uffff', 'ä'];
      for (const k of [...keys].reverse()) await store.put(k, k);
      const a = await store.list('a');
      assert.deepEqual(
        a.map((e) => e.key),
        keys.filter((k) => k.startsWith('a')).sort(compareKeys),
      );
      assert.deepEqual(
        (await store.list('a/')).map((e) => e.key),
        ['a/b', 'a/c/d'],
      );
      assert.deepEqual(
        (await store.list('ab')).map((e) => e.key),
        ['ab', 'abc'],
      );
      assert.deepEqual(await store.list('zzz'), []);
      for (const e of a) {
        assert.equal(toText(e.value), e.key);
        assert.equal(e.version, (await store.get(e.key))?.version);
      }
    },
  },
  {
    group: 'basics',
    name: 'list honours limit, keeping the first keys',
    async run({ store }) {
      for (const k of ['k3', 'k1', 'k2', 'k4']) await store.put(k, k);
      assert.deepEqual(
        (await store.list('k', { limit: 2 })).map((e) => e.key),
        ['k1', 'k2'],
      );
    },
  },
  {
    group: 'basics',
    name: 'delete says whether the key was there',
    async run({ store }) {
      await store.put('k', 'v');
      assert.deepEqual(await store.delete('k'), { deleted: true });
      assert.equal(await store.get('k'), undefined);
      assert.deepEqual(await store.delete('k'), { deleted: false });
      assert.deepEqual(await store.delete('never'), { deleted: false });
    },
  },
  {
    group: 'basics',
    name: 'a write through one replica is seen by the next read, and the next check, through every other',
    async run({ replicas }) {
      for (let i = 0; i < 20; i++) {
        const writer = replicas[i % replicas.length];
        assert.ok(writer);
        const { version } = await writer.put('shared', `v${i}`);
        for (const reader of replicas) {
          // A transaction of conditions only is a read, and must be as current as get.
          const check = await reader.transaction({
            conditions: [{ type: 'version', key: 'shared', version }],
            operations: [],
          });
          assert.ok(check.ok, `write ${i}: a check through a replica judged the key on an older state`);
          assert.equal(await textOf(reader, 'shared'), `v${i}`);
        }
      }
    },
  },
];
