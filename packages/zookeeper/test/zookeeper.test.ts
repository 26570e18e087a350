import { join } from 'node:path';
import { zookeeperCounter } from '@strongbox/bench';
import { type Cluster, startCluster } from '@strongbox/cluster';
import { createStore, type Store, toText } from '@strongbox/core';
import type * as zk from 'node-zookeeper-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReadmeQuickStart } from '../../../test/support/readme.js';
import { encodeKey } from '../src/layout.js';
import { rawBarrier, rawClient, rawGet, storeErrorOf, unique } from './helpers.js';

let cluster: Cluster;
let raw: zk.Client;
const open: Store[] = [];

beforeAll(async () => {
  cluster = await startCluster({ backend: 'zookeeper', nodes: 3 });
  raw = await rawClient(cluster.endpoints.join(','));
}, 120_000);
afterAll(async () => {
  raw?.close();
  await Promise.allSettled(open.map((s) => s.close()));
  await cluster?.stop();
});

async function store(
  root: string,
  extra: Record<string, unknown> = {},
  endpoints?: string[],
): Promise<Store> {
  const s = await createStore({
    backend: 'zookeeper',
    endpoints: endpoints ?? [...cluster.endpoints],
    zookeeper: { root, ...extra },
  });
  open.push(s);
  return s;
}

describe('znode layout', () => {
  it('keeps a deleted key as a tombstone, so its data version only grows', async () => {
    const root = `/${unique('tomb')}`;
    const s = await store(root);
    const v0 = (await s.put('k', 'one')).version;
    expect(await s.delete('k')).toEqual({ deleted: true });
    const path = `${root}/data/${encodeKey('k')}`;
    const after = await rawGet(raw, path);
    expect('stat' in after && after.stat.version).toBe(1);
    expect('data' in after && after.data[0]).toBe(0);
    const v2 = (await s.put('k', 'two')).version;
    expect([v0, v2]).toEqual(['0', '2']);
    expect(await s.putIfVersion('k', 'stale', v0)).toMatchObject({ ok: false });
  });

  it('stores any key under the root as one znode name, and lists by any prefix', async () => {
    const root = `/${unique('keys')}`;
    const s = await store(root);
    const keys = ['a/b/c', 'a/bc', 'ab', 'a', '..', '%2F', 'é/😀', 'a b'];
    for (const k of keys) await s.put(k, k);
    await s.delete('ab');
    expect((await s.list('a')).map((e) => e.key)).toEqual(['a', 'a b', 'a/b/c', 'a/bc']);
    expect((await s.list('a/b')).map((e) => e.key)).toEqual(['a/b/c', 'a/bc']);
    expect((await s.list('é/')).map((e) => toText(e.value))).toEqual(['é/😀']);
    expect((await s.list('', { limit: 2 })).map((e) => e.key)).toEqual(['%2F', '..']);
    await rawBarrier(raw);
    const names = await new Promise<string[]>((resolve, reject) =>
      raw.getChildren(`${root}/data`, (err, children) => (err ? reject(err) : resolve(children))),
    );
    expect(names.sort()).toEqual(keys.map(encodeKey).sort());
  });
});

describe('versions', () => {
  it('checks version 0 in a multi (the client would send it as "any version")', async () => {
    const root = `/${unique('v0')}`;
    const s = await store(root);
    const first = await s.put('k', 'one');
    expect(first.version).toBe('0');
    await s.put('k', 'two');
    // An unread key (only a version condition) and a read key (with a write) must both see the change.
    expect(
      await s.transaction({ conditions: [{ type: 'version', key: 'k', version: '0' }], operations: [] }),
    ).toEqual({
      ok: false,
    });
    const txn = await s.transaction({
      conditions: [{ type: 'version', key: 'k', version: '0' }],
      operations: [{ type: 'put', key: 'k', value: 'three' }],
    });
    expect(txn).toEqual({ ok: false });
    expect(await s.putIfVersion('k', 'four', '0')).toMatchObject({ ok: false });
    expect(toText((await s.get('k'))?.value ?? new Uint8Array())).toBe('two');
  });

  it('a transaction over version-conditioned keys is one multi, no read, and no stale token passes', async () => {
    const s = await store(`/${unique('vtx')}`);
    const a = await s.put('a', 'a1');
    const b = await s.put('b', 'b1');
    // Counts every store's requests in this process; their background probes (exists) are not counted.
    const requests = zookeeperCounter();
    const before = await requests.count();
    const done = await s.transaction({
      conditions: [
        { type: 'version', key: 'a', version: a.version },
        { type: 'version', key: 'b', version: b.version },
      ],
      operations: [
        { type: 'put', key: 'a', value: 'a2' },
        { type: 'delete', key: 'b' },
      ],
    });
    expect((await requests.count()) - before).toBe(1);
    expect(done.ok).toBe(true);
    const a2 = await s.get('a');
    expect(done.ok && done.versions.get('a')).toBe(a2?.version);
    expect(await s.get('b')).toBeUndefined();

    // b deleted then re-created: its old token must not match the new incarnation, nor the tombstone.
    const b3 = await s.put('b', 'b3');
    const refused = [
      [{ type: 'version', key: 'b', version: b.version }],
      // The token of the tombstone's data version was never handed out.
      [{ type: 'version', key: 'b', version: String(Number(b3.version) - 1) }],
      // Two versions of one key cannot both hold.
      [
        { type: 'version', key: 'b', version: b3.version },
        { type: 'version', key: 'b', version: b.version },
      ],
      // A key never written.
      [{ type: 'version', key: 'never', version: '0' }],
    ] as const;
    for (const conditions of refused) {
      const r = await s.transaction({
        conditions: [{ type: 'version', key: 'a', version: a2?.version as string }, ...conditions],
        operations: [
          { type: 'put', key: 'a', value: 'lost' },
          { type: 'put', key: 'b', value: 'lost' },
        ],
      });
      expect(r).toEqual({ ok: false });
    }
    expect(toText((await s.get('a'))?.value ?? new Uint8Array())).toBe('a2');
    expect(await s.get('b')).toMatchObject({ version: b3.version });
    expect(await s.get('never')).toBeUndefined();
  });

  it('never matches a token it did not hand out', async () => {
    const s = await store(`/${unique('tok')}`);
    await s.put('k', 'v');
    for (const bad of ['-1', '00', 'x', '1.0']) {
      expect(await s.putIfVersion('k', 'w', bad)).toMatchObject({ ok: false, current: { version: '0' } });
      expect(
        await s.transaction({ conditions: [{ type: 'version', key: 'k', version: bad }], operations: [] }),
      ).toEqual({
        ok: false,
      });
    }
  });
});

describe('linearizable reads', () => {
  it('a check-only multi is a quorum write: it takes a zxid, so it orders reads behind it', async () => {
    const root = `/${unique('barrier')}`;
    const s = await store(root);
    const czxid = async (path: string) => {
      const r = await rawGet(raw, path);
      if (!('stat' in r)) throw new Error(`no ${path}`);
      return r.stat.czxid.readBigUInt64BE();
    };
    // put(after) on a new key: setData (refused NO_NODE: a zxid) + create multi; get: the barrier.
    // So the gap is 3, unless other transactions land in between: an election (a new epoch, the
    // zxid's high 32 bits) or another session's creation or expiry. Those only widen it; measure
    // again then. A gap below 3 fails at once: the barrier took no zxid.
    const rounds: Array<{ gap: bigint; oneEpoch: boolean }> = [];
    for (let round = 0; round < 3; round++) {
      await s.put(`before-${round}`, 'x');
      await s.get('anything'); // one barrier multi
      await s.put(`after-${round}`, 'x');
      const before = await czxid(`${root}/data/${encodeKey(`before-${round}`)}`);
      const after = await czxid(`${root}/data/${encodeKey(`after-${round}`)}`);
      const gap = after - before;
      expect(gap, `round ${round}: zxid gap`).toBeGreaterThanOrEqual(3n);
      const oneEpoch = after >> 32n === before >> 32n;
      rounds.push({ gap, oneEpoch });
      if (gap === 3n && oneEpoch) break;
    }
    const seen = rounds.map((r) => `${r.gap}${r.oneEpoch ? '' : ' (new epoch)'}`).join(', ');
    expect(
      rounds.some((r) => r.gap === 3n && r.oneEpoch),
      `a gap of 3 in one epoch; gaps: ${seen}`,
    ).toBe(true);
  });

  it('a replica on another server reads what a write on one server committed, every time', async () => {
    const root = `/${unique('lin')}`;
    const writer = await store(root, {}, [cluster.endpoints[0] as string]);
    const reader = await store(root, {}, [cluster.endpoints[2] as string]);
    for (let i = 0; i < 100; i++) {
      await writer.put('k', String(i));
      expect(toText((await reader.get('k'))?.value ?? new Uint8Array())).toBe(String(i));
      const listed = await reader.list('k');
      expect(listed.map((e) => toText(e.value))).toEqual([String(i)]);
    }
  });
});

describe('digest auth and ACLs', () => {
  const alice = { username: 'alice', password: 'secret' };

  it('creates the root with an ACL for its user only; others get PERMISSION_DENIED', async () => {
    const root = `/${unique('acl')}`;
    const owner = await store(root, { auth: alice });
    await owner.put('k', 'v');
    const again = await store(root, { auth: alice });
    expect(toText((await again.get('k'))?.value ?? new Uint8Array())).toBe('v');

    const anonymous = await store(root);
    expect((await storeErrorOf(anonymous.get('k'))).code).toBe('PERMISSION_DENIED');
    expect((await storeErrorOf(anonymous.put('k', 'x'))).code).toBe('PERMISSION_DENIED');
    const wrong = await store(root, { auth: { username: 'alice', password: 'guess' } });
    expect((await storeErrorOf(wrong.list(''))).code).toBe('PERMISSION_DENIED');
    expect(
      (await storeErrorOf(wrong.transaction({ operations: [{ type: 'put', key: 'n', value: 'x' }] }))).code,
    ).toBe('PERMISSION_DENIED');

    const path = `${root}/data/${encodeKey('k')}`;
    expect(await rawGet(raw, path)).toEqual({ code: -102 });
    // Reading an ACL needs READ or ADMIN on the znode (ZooKeeper 3.8): ask as alice.
    const asAlice = await rawClient(cluster.endpoints.join(','), alice);
    await rawBarrier(asAlice);
    const acl = await new Promise<zk.ACL[]>((resolve, reject) =>
      asAlice.getACL(path, (err, acls) => (err ? reject(err) : resolve(acls))),
    ).finally(() => asAlice.close());
    // The client's ACL objects carry `permission`, not the `perms` its type declarations name.
    const perms = (a: zk.ACL) => (a as unknown as { permission: number }).permission;
    expect(acl.map((a) => [a.id.scheme, a.id.id.split(':')[0], perms(a)])).toEqual([['digest', 'alice', 31]]);
    expect(toText((await owner.get('k'))?.value ?? new Uint8Array())).toBe('v');
  });
});

describe('README', () => {
  it('runs the quick start against the ensemble', async () => {
    const root = `/${unique('readme')}`;
    const calls = await runReadmeQuickStart(join(import.meta.dirname, '..', 'README.md'), {
      "['127.0.0.1:2181']": JSON.stringify([...cluster.endpoints]),
      "'/my-service'": JSON.stringify(root),
    });
    expect(calls).toContainEqual(['this replica accepts payment 42']);
    const check = await store(root);
    expect(toText((await check.get('payment/42'))?.value ?? new Uint8Array())).toBe('replica-a:done');
  });
});
