import { randomUUID } from 'node:crypto';
import { type Store, toText } from '@strongbox/core';
import { describe, expect, it } from 'vitest';
import { codeOf, fileCluster, open, prefix } from './helpers.js';

// A real cluster with ACLs on (default_policy deny) and a master token.
const master = randomUUID();
const files = fileCluster({ consul: { aclMasterToken: master } });

async function store(token?: string): Promise<Store> {
  const s = await open(files.cluster.endpoints, token === undefined ? {} : { consul: { token } });
  files.keep(s);
  return s;
}

/** Creates a token whose policy is `rules` (Consul HCL), with the master token. */
async function tokenFor(rules: string): Promise<string> {
  const api = `http://${files.cluster.endpoints[0]}/v1/acl`;
  const headers = { 'x-consul-token': master };
  const name = `p-${randomUUID()}`;
  const policy = await fetch(`${api}/policy`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ Name: name, Rules: rules }),
  });
  expect(policy.status, await policy.clone().text()).toBe(200);
  const token = await fetch(`${api}/token`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ Policies: [{ Name: name }] }),
  });
  expect(token.status, await token.clone().text()).toBe(200);
  return ((await token.json()) as { SecretID: string }).SecretID;
}

/**
 * Two fresh prefixes, `theirs` holding key `k` (written with the master token), and a token that may
 * write under `mine` and only read under `theirs`.
 */
async function mineAndTheirs(): Promise<{ admin: Store; mine: string; theirs: string; token: string }> {
  const admin = await store(master);
  const mine = prefix();
  const theirs = prefix();
  await admin.put(`${theirs}k`, 'theirs');
  const token = await tokenFor(
    `key_prefix "${mine}" { policy = "write" }\nkey_prefix "${theirs}" { policy = "read" }`,
  );
  return { admin, mine, theirs, token };
}

describe('consul ACL tokens', () => {
  it('the master token can do everything', async () => {
    const s = await store(master);
    const p = prefix();
    const { version } = await s.put(`${p}k`, 'v');
    expect(await s.putIfVersion(`${p}k`, 'w', version)).toMatchObject({ ok: true });
    expect(await s.compareAndSwap(`${p}k`, 'w', 'x')).toMatchObject({ ok: true });
    expect((await s.list(p)).map((e) => toText(e.value))).toEqual(['x']);
    expect(
      await s.transaction({
        conditions: [{ type: 'present', key: `${p}k` }],
        operations: [{ type: 'delete', key: `${p}k` }],
      }),
    ).toMatchObject({ ok: true });
  });

  it('no token or an unknown token is PERMISSION_DENIED, and nothing is written', async () => {
    const admin = await store(master);
    const p = prefix();
    await admin.put(`${p}k`, 'v');
    for (const s of [await store(), await store(randomUUID())]) {
      expect(await codeOf(s.put(`${p}new`, 'v'))).toBe('PERMISSION_DENIED');
      expect(await codeOf(s.putIfAbsent(`${p}new`, 'v'))).toBe('PERMISSION_DENIED');
      expect(await codeOf(s.get(`${p}k`))).toBe('PERMISSION_DENIED');
      expect(await codeOf(s.delete(`${p}k`))).toBe('PERMISSION_DENIED');
    }
    expect((await admin.list(p)).map((e) => e.key)).toEqual([`${p}k`]);
  });

  it('a token scoped to a prefix writes there, reads where allowed, and is refused elsewhere', async () => {
    const { admin, mine, theirs, token } = await mineAndTheirs();
    const s = await store(token);
    const { version } = await s.put(`${mine}a`, '1');
    expect(await s.putIfVersion(`${mine}a`, '2', version)).toMatchObject({ ok: true });
    expect(await s.compareAndSwap(`${mine}a`, '2', '3')).toMatchObject({ ok: true });
    expect(toText((await s.get(`${theirs}k`))?.value ?? new Uint8Array())).toBe('theirs');
    expect(await codeOf(s.put(`${theirs}k`, 'mine now'))).toBe('PERMISSION_DENIED');
    expect(await codeOf(s.compareAndSwap(`${theirs}k`, 'theirs', 'mine now'))).toBe('PERMISSION_DENIED');
    expect(await codeOf(s.deleteIfVersion(`${theirs}k`, '1'))).toBe('PERMISSION_DENIED');
    // One refused operation refuses the whole transaction.
    const txn = s.transaction({
      operations: [
        { type: 'put', key: `${mine}b`, value: 'b' },
        { type: 'put', key: `${theirs}b`, value: 'b' },
      ],
    });
    expect(await codeOf(txn)).toBe('PERMISSION_DENIED');
    expect(await s.get(`${mine}b`)).toBeUndefined();
    expect((await s.list(mine)).map((e) => e.key)).toEqual([`${mine}a`]);
    // Consul filters what a token may not read out of a listing rather than refusing it.
    const outside = prefix();
    await admin.put(`${outside}hidden`, 'x');
    expect(await s.list(outside)).toEqual([]);
    expect(await codeOf(s.get(`${outside}hidden`))).toBe('PERMISSION_DENIED');
  });

  it('gets that go together answer each key on its own: one the token may not read fails alone', async () => {
    const admin = await store(master);
    const readable = prefix();
    const hidden = prefix();
    await admin.put(`${readable}k`, 'open');
    await admin.put(`${hidden}h`, 'secret');
    const token = await tokenFor(`key_prefix "${readable}" { policy = "read" }`);
    const s = await open(files.cluster.endpoints, { consul: { token, readsInFlight: 1 } });
    files.keep(s);
    // The first goes alone; the other five wait for it and go as one read transaction.
    const outcome = (key: string) =>
      s.get(key).then(
        (e) => (e === undefined ? 'absent' : toText(e.value)),
        (err: unknown) => (err as { code?: string }).code,
      );
    const got = await Promise.all(
      [`${readable}k`, `${readable}k`, `${hidden}h`, `${readable}none`, `${hidden}none`, `${readable}k`].map(
        outcome,
      ),
    );
    // A missing key is absent even where the token may not read, as a single get answers (404).
    expect(got).toEqual(['open', 'open', 'PERMISSION_DENIED', 'absent', 'absent', 'open']);
  });

  it('writes that go together get each their own outcome: one the token may not write fails alone', async () => {
    const { admin, mine, theirs, token } = await mineAndTheirs();
    const s = await open(files.cluster.endpoints, { consul: { token, writesInFlight: 1 } });
    files.keep(s);
    // The first goes alone; the other three wait for it and go as one transaction.
    const got = await Promise.all(
      [`${mine}a`, `${mine}b`, `${theirs}k`, `${mine}c`].map((k) =>
        s.put(k, 'w').then(
          () => 'ok',
          (err: unknown) => (err as { code?: string }).code,
        ),
      ),
    );
    expect(got).toEqual(['ok', 'ok', 'PERMISSION_DENIED', 'ok']);
    expect((await s.list(mine)).map((e) => e.key)).toEqual([`${mine}a`, `${mine}b`, `${mine}c`]);
    expect(toText((await admin.get(`${theirs}k`))?.value ?? new Uint8Array())).toBe('theirs');
  });
});
