import { join } from 'node:path';
import { type Cluster, startCluster } from '@strongbox/cluster';
import { isStoreError, type Store, toText } from '@strongbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReadmeQuickStart } from '../../../test/support/readme.js';
import { urlSafe } from '../src/client.js';
import { MAX_TXN_BODY_BYTES } from '../src/index.js';
import { countRequests, open, prefix } from './helpers.js';

let cluster: Cluster;
let store: Store;

beforeAll(async () => {
  cluster = await startCluster({ backend: 'consul', nodes: 3 });
  store = await open(cluster.endpoints, { requestTimeoutMs: 15_000 });
}, 120_000);
afterAll(async () => {
  await store?.close();
  await cluster?.stop();
});

describe('which keys may travel in a URL path', () => {
  it('accepts printable ASCII the agent leaves alone, refuses what its path cleaning or filter would change', () => {
    for (const k of ['a', 'a/b', 'trail/', 'sp ace', 'pct%41', 'q?x#y', 'a.b/..c', '.hidden'])
      expect(urlSafe(k), k).toBe(true);
    for (const k of [
      '/lead',
      'a//b',
      'a/../b',
      'a/./b',
      '..',
      '.',
      'x/.',
      'x/..',
      './x',
      'nl\nx',
      'ü',
      '\u0000',
    ]) {
      expect(urlSafe(k), JSON.stringify(k)).toBe(false);
    }
  });
});

describe('README', () => {
  it('runs the quick start against the cluster', async () => {
    const namespace = prefix();
    const calls = await runReadmeQuickStart(join(import.meta.dirname, '..', 'README.md'), {
      "['127.0.0.1:8500']": JSON.stringify([...cluster.endpoints]),
      "'my-service/'": JSON.stringify(namespace),
    });
    expect(calls).toEqual([['this replica accepts payment 42']]);
    expect(toText((await store.get(`${namespace}payment/42`))?.value ?? new Uint8Array())).toBe(
      'replica-a:done',
    );
  });
});

describe('consul driver on a real 3-server cluster', () => {
  it('returns the ModifyIndex of each write as its version, and reads it back', async () => {
    const p = prefix();
    const { version } = await store.put(`${p}a`, 'one');
    expect(version).toMatch(/^[1-9]\d*$/);
    const got = await store.get(`${p}a`);
    expect(got && toText(got.value)).toBe('one');
    expect(got?.version).toBe(version);
    const second = await store.put(`${p}a`, 'two');
    expect(Number(second.version)).toBeGreaterThan(Number(version));
  });

  it('never reuses a version after delete and re-create', async () => {
    const p = prefix();
    const first = await store.put(`${p}k`, 'x');
    expect(await store.delete(`${p}k`)).toEqual({ deleted: true });
    expect(await store.delete(`${p}k`)).toEqual({ deleted: false });
    const again = await store.putIfAbsent(`${p}k`, 'x');
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    expect(again.version).not.toBe(first.version);
    const stale = await store.putIfVersion(`${p}k`, 'y', first.version);
    expect(stale.ok).toBe(false);
    expect(await store.deleteIfVersion(`${p}k`, first.version)).toMatchObject({ ok: false });
    expect(await store.deleteIfVersion(`${p}k`, again.version)).toEqual({ ok: true });
  });

  it('gives every write a new version, even one that writes the bytes already stored', async () => {
    // Consul skips a write that leaves the entry unchanged and keeps its ModifyIndex: without the
    // adapter's random flags, two replicas writing the same next state from one version would
    // both win (a payment accepted twice).
    const p = prefix();
    const k = `${p}channel`;
    const first = await store.put(k, 'nonce=5');
    const again = await store.put(k, 'nonce=5');
    expect(again.version).not.toBe(first.version);
    const other = await open(cluster.endpoints);
    try {
      const [a, b] = await Promise.all([
        store.putIfVersion(k, 'nonce=6', again.version),
        other.putIfVersion(k, 'nonce=6', again.version),
      ]);
      expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
      const seen = (await store.get(k))?.version;
      const late = await other.putIfVersion(k, 'nonce=6', again.version);
      expect(late).toMatchObject({ ok: false, current: { version: seen } });
      const t1 = await store.transaction({ operations: [{ type: 'put', key: k, value: 'nonce=6' }] });
      const t2 = await store.transaction({ operations: [{ type: 'put', key: k, value: 'nonce=6' }] });
      expect(t1.ok && t2.ok && t1.versions.get(k) !== t2.versions.get(k)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('reports the current entry with a lost comparison', async () => {
    const p = prefix();
    const { version } = await store.put(`${p}k`, 'held');
    const lost = await store.putIfAbsent(`${p}k`, 'other');
    expect(lost).toMatchObject({ ok: false, current: { key: `${p}k`, version } });
    const cas = await store.compareAndSwap(`${p}k`, 'nope', 'next');
    expect(cas).toMatchObject({ ok: false, current: { version } });
    const won = await store.compareAndSwap(`${p}k`, 'held', 'next');
    expect(won.ok).toBe(true);
    expect(await store.compareAndSwap(`${p}absent`, 'x', 'y')).toEqual({ ok: false, current: undefined });
  });

  it('costs the documented round trips, and a value CAS on a value this handle last saw costs one', async () => {
    const p = prefix();
    const k = `${p}k`;
    const rt = async (fn: () => Promise<unknown>) => (await countRequests(fn)).requests;
    expect(await rt(() => store.put(k, 'a'))).toBe(1);
    expect(await rt(() => store.get(k))).toBe(1);
    expect(await rt(() => store.list(p))).toBe(1);
    expect(await rt(() => store.compareAndSwap(k, 'a', 'b'))).toBe(1);
    // Not what this handle last saw: read, then lose without writing.
    expect(await rt(() => store.compareAndSwap(k, 'zzz', 'c'))).toBe(1);
    const other = await open(cluster.endpoints);
    try {
      // Another replica moved the key on: the cas on the remembered index loses, a read reports it.
      await other.put(k, 'c');
      const lost = await countRequests(() => store.compareAndSwap(k, 'b', 'd'));
      expect(lost.requests).toBe(2);
      expect(lost.result).toMatchObject({ ok: false, current: { value: new TextEncoder().encode('c') } });
      // The same value written again under a new index: the stale index loses, the value still
      // matches, so the swap is retried on the new index (cas, read, cas) and wins.
      await other.put(k, 'c');
      const aba = await countRequests(() => store.compareAndSwap(k, 'c', 'e'));
      expect(aba.result.ok).toBe(true);
      expect(aba.requests).toBe(3);
      expect(toText((await other.get(k))?.value ?? new Uint8Array())).toBe('e');
    } finally {
      await other.close();
    }
    const { version } = await store.put(k, 'f');
    expect(await rt(() => store.putIfVersion(k, 'g', version))).toBe(1);
    expect(await rt(() => store.putIfVersion(k, 'h', version))).toBe(2);
    expect(await rt(() => store.putIfAbsent(`${p}new`, 'x'))).toBe(1);
    expect(await rt(() => store.delete(`${p}new`))).toBe(1);
    expect(await rt(() => store.delete(`${p}new`))).toBe(1);
    expect(
      await rt(() =>
        store.transaction({
          conditions: [{ type: 'value', key: k, value: 'g' }],
          operations: [{ type: 'put', key: k, value: 'i' }],
        }),
      ),
    ).toBe(1);
    const fresh = await open(cluster.endpoints);
    try {
      // A handle that never saw the key reads it once, then checks the index it read.
      expect(
        await rt(() =>
          fresh.transaction({
            conditions: [{ type: 'value', key: k, value: 'i' }],
            operations: [{ type: 'put', key: k, value: 'j' }],
          }),
        ),
      ).toBe(2);
    } finally {
      await fresh.close();
    }
  });

  it('asks for a consistent read on every read, and sends writes without it', async () => {
    const p = prefix();
    const sent = async (fn: () => Promise<unknown>) => (await countRequests(fn)).sent;
    const reads = [
      ...(await sent(() => store.get(`${p}k`))),
      ...(await sent(() => store.get(`${p}ü`))), // a read transaction: the key cannot travel in a URL
      ...(await sent(() => store.list(p))),
      ...(await sent(() => store.list(`${p}ü`))),
      ...(await sent(() =>
        store.transaction({ conditions: [{ type: 'absent', key: `${p}k` }], operations: [] }),
      )),
    ];
    expect(reads.map((r) => r.split('?')[0])).toEqual([
      `GET /v1/kv/${encodeURIComponent(`${p}k`)}`,
      'PUT /v1/txn',
      `GET /v1/kv/${encodeURIComponent(p)}`,
      'PUT /v1/txn',
      'PUT /v1/txn',
    ]);
    for (const r of reads)
      expect(new URL(r.split(' ')[1] as string, 'http://x').searchParams.get('consistent'), r).toBe('1');
    const writes = [
      ...(await sent(() => store.put(`${p}k`, 'a'))),
      ...(await sent(() => store.putIfVersion(`${p}k`, 'b', '1'))).slice(0, 1), // the cas; a lost one reads after
      ...(await sent(() => store.delete(`${p}k`))),
    ];
    expect(writes).toHaveLength(3);
    for (const w of writes) expect(w, w).toMatch(/^PUT \/v1\/txn(\?(?!.*consistent).*)?$/);
  });

  it('treats versions it cannot have issued as never matching (0 would mean "absent" to Consul)', async () => {
    const p = prefix();
    for (const v of ['0', '-1', 'abc', '1e3', '99999999999999999999']) {
      expect(await store.putIfVersion(`${p}k`, 'x', v)).toEqual({ ok: false, current: undefined });
      expect(await store.deleteIfVersion(`${p}k`, v)).toEqual({ ok: false, current: undefined });
    }
    expect(await store.get(`${p}k`)).toBeUndefined();
    expect(
      await store.transaction({
        conditions: [{ type: 'version', key: `${p}k`, version: '0' }],
        operations: [],
      }),
    ).toEqual({ ok: false });
  });

  it('deleteIfVersion on an absent key is a lost comparison (Consul delete-cas would succeed)', async () => {
    const p = prefix();
    const { version } = await store.put(`${p}k`, 'x');
    await store.delete(`${p}k`);
    expect(await store.deleteIfVersion(`${p}k`, version)).toEqual({ ok: false, current: undefined });
  });

  it('stores keys Consul’s URL paths mangle, exactly, and lists them by any prefix', async () => {
    const p = prefix();
    // Both read paths: printable-ASCII keys are read through the KV endpoint's URL, the others
    // (and those the agent's path cleaning would redirect) through a read transaction.
    const odd = [
      '/lead',
      'a//b',
      'a/../b',
      'a/./b',
      '..',
      '.',
      'x/.',
      'sp ace',
      'pct%41',
      'pct%2F',
      'q?x#y',
      'a+b',
      `x;y=z&w'"`,
      '~!*()[]{}|\\^`<>',
      'ü/日本',
      'trail/',
      'nl\nx',
      'nul\u0000x',
      'tab\tx',
      '😀',
      '\u00a0nbsp',
      '\u200bzero-width',
    ];
    for (const k of odd) await store.put(`${p}${k}`, k);
    for (const k of odd) {
      const e = await store.get(`${p}${k}`);
      expect(e?.key).toBe(`${p}${k}`);
      expect(e && toText(e.value)).toBe(k);
    }
    const all = await store.list(p);
    expect(all.map((e) => e.key.slice(p.length)).sort()).toEqual([...odd].sort());
    expect((await store.list(`${p}a/`)).map((e) => e.key)).toEqual([`${p}a/../b`, `${p}a/./b`, `${p}a//b`]);
    expect((await store.list(`${p}/`)).map((e) => e.key)).toEqual([`${p}/lead`]);
    expect((await store.list(`${p}nul\u0000`)).map((e) => e.key)).toEqual([`${p}nul\u0000x`]);
    expect((await store.list(`${p}pct%`)).map((e) => e.key)).toEqual([`${p}pct%2F`, `${p}pct%41`]);
    expect((await store.list(`${p}x`)).map((e) => e.key)).toEqual([`${p}x/.`, `${p}x;y=z&w'"`]);
    const everything = await store.list('');
    expect(everything.filter((e) => e.key.startsWith(p))).toHaveLength(odd.length);
  });

  it('keeps binary values byte for byte, including empty ones', async () => {
    const p = prefix();
    const bytes = new Uint8Array(256).map((_, i) => i);
    await store.put(`${p}bin`, bytes);
    await store.put(`${p}empty`, new Uint8Array(0));
    expect((await store.get(`${p}bin`))?.value).toEqual(bytes);
    expect((await store.get(`${p}empty`))?.value).toEqual(new Uint8Array(0));
    const listed = await store.list(p);
    expect(listed.map((e) => e.value)).toEqual([bytes, new Uint8Array(0)]);
  });

  it('serves far more concurrent calls than Consul accepts connections from one client (200)', async () => {
    const p = prefix();
    const keys = Array.from({ length: 300 }, (_, i) => `${p}${i}`);
    const versions = await Promise.all(keys.map((k) => store.put(k, 'v').then((r) => r.version)));
    for (const v of versions) expect(v).toMatch(/^[1-9]\d*$/);
    const read = await Promise.all(keys.map((k) => store.get(k)));
    expect(read.map((e) => e?.version)).toEqual(versions);
  });

  it('accepts the contract’s largest value and transaction', async () => {
    const p = prefix();
    const big = new Uint8Array(256 * 1024).fill(7);
    const { version } = await store.put(`${p}big`, big);
    expect((await store.get(`${p}big`))?.version).toBe(version);
    const each = Math.floor((256 * 1024) / 64) - 20;
    const ops = Array.from({ length: 64 }, (_, i) => ({
      type: 'put' as const,
      key: `${p}${String(i).padStart(2, '0')}`,
      value: new Uint8Array(each),
    }));
    const r = await store.transaction({ operations: ops });
    expect(r.ok && r.versions.size).toBe(64);
  });

  it('refuses a transaction whose JSON body exceeds txn_max_req_len before sending it', async () => {
    const p = prefix();
    // 64 keys of 1000 control characters: each becomes 6000 bytes of JSON (\u0001), 384 KB in all.
    const key = (i: number) => `${p}${String(i).padStart(2, '0')}${'\u0001'.repeat(960)}`;
    const operations = Array.from({ length: 64 }, (_, i) => ({
      type: 'put' as const,
      key: key(i),
      value: new Uint8Array(2500),
    }));
    const err = await store.transaction({ operations }).catch((e: unknown) => e);
    expect(isStoreError(err, 'VALUE_TOO_LARGE')).toBe(true);
    expect(String((err as Error).message)).toContain(String(MAX_TXN_BODY_BYTES));
    expect(await store.list(p)).toEqual([]);
  });

  it('maps every condition kind onto one Consul transaction', async () => {
    const p = prefix();
    const a = await store.put(`${p}a`, 'A');
    await store.put(`${p}b`, 'B');
    const ok = await store.transaction({
      conditions: [
        { type: 'version', key: `${p}a`, version: a.version },
        { type: 'value', key: `${p}b`, value: 'B' },
        { type: 'absent', key: `${p}c` },
        { type: 'present', key: `${p}b` },
      ],
      operations: [
        { type: 'put', key: `${p}a`, value: 'A2' },
        { type: 'put', key: `${p}c`, value: 'C' },
        { type: 'delete', key: `${p}b` },
      ],
    });
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect([...ok.versions.keys()].sort()).toEqual([`${p}a`, `${p}c`]);
    expect((await store.get(`${p}a`))?.version).toBe(ok.versions.get(`${p}a`));
    expect(await store.get(`${p}b`)).toBeUndefined();
    for (const condition of [
      { type: 'version' as const, key: `${p}a`, version: a.version },
      { type: 'value' as const, key: `${p}a`, value: 'A' },
      { type: 'value' as const, key: `${p}b`, value: 'B' },
      { type: 'absent' as const, key: `${p}c` },
      { type: 'present' as const, key: `${p}b` },
    ]) {
      const r = await store.transaction({
        conditions: [condition],
        operations: [{ type: 'put', key: `${p}z`, value: 'z' }],
      });
      expect(r, JSON.stringify(condition)).toEqual({ ok: false });
    }
    expect(await store.get(`${p}z`)).toBeUndefined();
    expect(
      await store.transaction({ conditions: [{ type: 'present', key: `${p}a` }], operations: [] }),
    ).toEqual({ ok: true, versions: new Map() });
  });
});
