import { randomUUID } from 'node:crypto';
import { type Cluster, startCluster } from '@strongbox/cluster';
import { createStore, type Store, StoreError, toText } from '@strongbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// An etcd that refuses requests above 64 KiB (--max-request-bytes), far below the contract's 256 KiB
// values: the adapter sends such requests (it has no check of its own) and etcd answers
// `etcdserver: request is too large`.
const LIMIT = 64 * 1024;
let cluster: Cluster;
let store: Store;

beforeAll(async () => {
  cluster = await startCluster({ backend: 'etcd', etcd: { maxRequestBytes: LIMIT }, logLevel: 'warn' });
  store = await createStore({ backend: 'etcd', endpoints: [...cluster.endpoints] });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await cluster?.stop();
});

const prefix = () => `request-size/${randomUUID()}/`;

async function storeError(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe('requests above --max-request-bytes', () => {
  it('a put fails VALUE_TOO_LARGE, writes nothing, and the store keeps working', async () => {
    const k = `${prefix()}big`;
    const err = await storeError(store.put(k, 'x'.repeat(LIMIT + 1024)));
    expect(err.code).toBe('VALUE_TOO_LARGE');
    expect(err.backend).toBe('etcd');
    expect(await store.get(k)).toBeUndefined();
    const { version } = await store.put(k, 'small');
    const e = await store.get(k);
    expect(e?.version).toBe(version);
    expect(toText(e?.value ?? new Uint8Array())).toBe('small');
  });

  it('an overwrite that is too large keeps the old value', async () => {
    const k = `${prefix()}k`;
    const { version } = await store.put(k, 'old');
    const err = await storeError(store.putIfVersion(k, 'y'.repeat(LIMIT + 1024), version));
    expect(err.code).toBe('VALUE_TOO_LARGE');
    const e = await store.get(k);
    expect(e?.version).toBe(version);
    expect(toText(e?.value ?? new Uint8Array())).toBe('old');
  });

  it('a transaction whose values together exceed it fails VALUE_TOO_LARGE and applies no operation', async () => {
    const p = prefix();
    // Each value alone fits; the one request carrying both does not.
    const half = 'z'.repeat(LIMIT / 2 + 1024);
    const err = await storeError(
      store.transaction({
        conditions: [{ type: 'absent', key: `${p}a` }],
        operations: [
          { type: 'put', key: `${p}a`, value: half },
          { type: 'put', key: `${p}b`, value: half },
        ],
      }),
    );
    expect(err.code).toBe('VALUE_TOO_LARGE');
    expect(await store.list(p)).toEqual([]);
    const ok = await store.transaction({
      conditions: [{ type: 'absent', key: `${p}a` }],
      operations: [
        { type: 'put', key: `${p}a`, value: 'a' },
        { type: 'put', key: `${p}b`, value: 'b' },
      ],
    });
    expect(ok.ok).toBe(true);
    expect((await store.list(p)).map((e) => [e.key, toText(e.value)])).toEqual([
      [`${p}a`, 'a'],
      [`${p}b`, 'b'],
    ]);
  });

  it('a put just below it is applied', async () => {
    // The request adds the key and a few bytes of framing to the value.
    const k = `${prefix()}fits`;
    const value = 'f'.repeat(LIMIT - 1024);
    const { version } = await store.put(k, value);
    const e = await store.get(k);
    expect(e?.version).toBe(version);
    expect(e?.value.byteLength).toBe(value.length);
  });
});
