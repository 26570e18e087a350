import { randomUUID } from 'node:crypto';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { type Cluster, startCluster } from '@strongbox/cluster';
import { createStore, loadAdapter, type Store, StoreError, toText } from '@strongbox/core';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReadmeQuickStart } from '../../../test/support/readme.js';

let cluster: Cluster;
let store: Store;
let raw: Etcd3;

beforeAll(async () => {
  cluster = await startCluster({ backend: 'etcd', nodes: 3 });
  store = await createStore({ backend: 'etcd', endpoints: [...cluster.endpoints] });
  raw = new Etcd3({ hosts: [...cluster.endpoints] });
}, 120_000);

afterAll(async () => {
  raw?.close();
  await store?.close();
  await cluster?.stop();
});

const prefix = () => `etcd-test/${randomUUID()}/`;

/** etcd's own record of a key: how often it was written since created, and its revisions. */
async function rawKv(key: string) {
  const res = await raw.kv.range({ key: Buffer.from(key) });
  return res.kvs[0];
}

describe('versions', () => {
  it('are mod revisions, never reused after delete and re-create', async () => {
    const k = `${prefix()}k`;
    const v1 = (await store.put(k, 'one')).version;
    expect((await rawKv(k))?.mod_revision).toBe(v1);
    expect(await store.delete(k)).toEqual({ deleted: true });
    const v2 = (await store.put(k, 'two')).version;
    expect(BigInt(v2)).toBeGreaterThan(BigInt(v1));
    const stale = await store.putIfVersion(k, 'three', v1);
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.current?.version).toBe(v2);
    expect(await store.deleteIfVersion(k, v1)).toMatchObject({ ok: false, current: { version: v2 } });
  });

  it('a token that is no etcd revision never matches, even "0" on an absent key', async () => {
    const k = `${prefix()}k`;
    for (const bogus of ['0', '-1', '01', 'abc', '99999999999999999999']) {
      expect(await store.putIfVersion(k, 'x', bogus)).toEqual({ ok: false, current: undefined });
      expect(await store.deleteIfVersion(k, bogus)).toEqual({ ok: false, current: undefined });
    }
    expect(await rawKv(k)).toBeUndefined();
  });

  it('a transaction returns the one revision that all its puts share', async () => {
    const p = prefix();
    const r = await store.transaction({
      conditions: [{ type: 'absent', key: `${p}a` }],
      operations: [
        { type: 'put', key: `${p}a`, value: 'A' },
        { type: 'put', key: `${p}b`, value: 'B' },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (const key of [`${p}a`, `${p}b`]) expect((await store.get(key))?.version).toBe(r.versions.get(key));
  });
});

describe('conditional writes', () => {
  it('a lost comparison returns the entry that won, read by the same txn', async () => {
    const k = `${prefix()}k`;
    const first = await store.putIfAbsent(k, 'winner');
    expect(first.ok).toBe(true);
    const lost = await store.putIfAbsent(k, 'loser');
    expect(lost.ok).toBe(false);
    if (lost.ok || !first.ok) return;
    expect(lost.current?.version).toBe(first.version);
    expect(toText(lost.current?.value ?? new Uint8Array())).toBe('winner');
    const cas = await store.compareAndSwap(k, 'nope', 'x');
    expect(cas).toMatchObject({ ok: false, current: { version: first.version } });
    // The failed writes left no trace: etcd counts one write since the key was created.
    expect((await rawKv(k))?.version).toBe('1');
  });

  it('value and presence conditions map to etcd compares', async () => {
    const p = prefix();
    await store.put(`${p}v`, 'same');
    const ok = await store.transaction({
      conditions: [
        { type: 'value', key: `${p}v`, value: 'same' },
        { type: 'present', key: `${p}v` },
        { type: 'absent', key: `${p}missing` },
      ],
      operations: [{ type: 'delete', key: `${p}v` }],
    });
    expect(ok.ok).toBe(true);
    // A value comparison on an absent key never holds, not even against the empty value.
    expect(await store.compareAndSwap(`${p}missing`, '', 'x')).toEqual({ ok: false, current: undefined });
    const lost = await store.transaction({
      conditions: [{ type: 'present', key: `${p}v` }],
      operations: [{ type: 'put', key: `${p}w`, value: 'w' }],
    });
    expect(lost).toEqual({ ok: false });
    expect(await store.get(`${p}w`)).toBeUndefined();
  });
});

describe('keys', () => {
  it('are stored as their UTF-8 bytes and listed by byte prefix', async () => {
    const p = prefix();
    const keys = [`${p}é`, `${p}é/1`, `${p}ê`, `${p}😀`, `${p}\u0000nul`, `${p}z`];
    for (const k of keys) await store.put(k, k);
    expect((await rawKv(`${p}é`))?.key.equals(Buffer.from(`${p}é`, 'utf8'))).toBe(true);
    expect((await store.list(`${p}é`)).map((e) => e.key)).toEqual([`${p}é`, `${p}é/1`]);
    expect((await store.list(p)).map((e) => e.key)).toEqual(
      [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    expect((await store.list(p, { limit: 2 })).map((e) => e.key)).toEqual([`${p}\u0000nul`, `${p}z`]);
  });

  it('a value of the contract maximum round-trips (etcd allows 1.5 MiB requests)', async () => {
    const k = `${prefix()}big`;
    const big = new Uint8Array(store.capabilities.maxValueBytes).fill(7);
    await store.put(k, big);
    expect((await store.get(k))?.value).toEqual(big);
  });
});

/**
 * A TCP proxy in front of one etcd member that, once armed, forwards the next request and then
 * cuts the connection the moment etcd's answer (an HTTP/2 DATA frame) comes back, without passing
 * it on. This is the one fault a healthy server cannot show on demand: a write etcd applied whose
 * answer the client never sees. It is not a fake etcd: every byte that passes is real.
 */
class CutAfterAnswer {
  armed = false;
  cuts = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor(private readonly target: string) {
    this.#server = createServer((client) => this.#pipe(client));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const addr = this.#server.address();
    if (addr === null || typeof addr === 'string') throw new Error('proxy has no port');
    return `127.0.0.1:${addr.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #pipe(client: Socket): void {
    const [host, port] = this.target.split(':');
    const upstream = netConnect(Number(port), host);
    this.#sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      // Walk the server's HTTP/2 frames (9-byte headers) to spot the first answer DATA frame.
      pending = Buffer.concat([pending, d]);
      let offset = 0;
      while (pending.length - offset >= 9) {
        const length = pending.readUIntBE(offset, 3);
        const type = pending[offset + 3];
        const stream = pending.readUInt32BE(offset + 5) & 0x7fffffff;
        if (this.armed && type === 0 && stream > 0) {
          this.armed = false;
          this.cuts++;
          cut();
          return;
        }
        if (pending.length - offset < 9 + length) break;
        offset += 9 + length;
      }
      client.write(pending.subarray(0, offset));
      pending = pending.subarray(offset);
    });
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
  }
}

describe('an answer lost after etcd applied the write', () => {
  let proxy: CutAfterAnswer;
  let endpoint: string;
  beforeAll(async () => {
    proxy = new CutAfterAnswer(cluster.endpoints[0] as string);
    endpoint = await proxy.listen();
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('etcd3 with its default retry policy re-sends the write (the hazard strongbox avoids)', async () => {
    const client = new Etcd3({ hosts: endpoint });
    try {
      const k = `${prefix()}k`;
      await client.get('warm-up').string();
      proxy.armed = true;
      await client.put(k).value('once');
      expect(proxy.cuts).toBe(1);
      // Applied twice: the first attempt's answer was lost, and the retry wrote again.
      expect((await rawKv(k))?.version).toBe('2');
    } finally {
      client.close();
    }
  });

  it.each([
    ['put', (s: Store, k: string) => s.put(k, 'once')],
    ['putIfAbsent', (s: Store, k: string) => s.putIfAbsent(k, 'once')],
    [
      'transaction',
      (s: Store, k: string) => s.transaction({ operations: [{ type: 'put', key: k, value: 'once' }] }),
    ],
  ])('strongbox %s fails INDETERMINATE and is applied exactly once', async (_name, write) => {
    const s = await createStore({ backend: 'etcd', endpoints: [endpoint] });
    try {
      const k = `${prefix()}k`;
      const cutsBefore = proxy.cuts;
      proxy.armed = true;
      const err = await write(s, k).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(proxy.cuts).toBe(cutsBefore + 1);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('INDETERMINATE');
      expect((await rawKv(k))?.version).toBe('1');
      // The same handle keeps working on a new connection.
      expect((await s.get(k))?.value).toEqual(new TextEncoder().encode('once'));
    } finally {
      await s.close();
    }
  });

  it('a transaction of conditions only is a read: its lost answer is asked again, not INDETERMINATE', async () => {
    const s = await createStore({ backend: 'etcd', endpoints: [endpoint] });
    try {
      const k = `${prefix()}k`;
      await s.get(k); // connected, so the cut hits the transaction's answer
      const cutsBefore = proxy.cuts;
      proxy.armed = true;
      const r = await s.transaction({ conditions: [{ type: 'absent', key: k }], operations: [] });
      expect(proxy.cuts).toBe(cutsBefore + 1);
      expect(r).toEqual({ ok: true, versions: new Map() });
    } finally {
      await s.close();
    }
  });
});

describe('connecting', () => {
  it('waits connectTimeoutMs for an endpoint to answer, then fails UNAVAILABLE', async () => {
    // Loaded first, so the clock measures the wait alone.
    await loadAdapter('etcd');
    const started = Date.now();
    const err = await createStore({
      backend: 'etcd',
      endpoints: ['127.0.0.1:1'],
      connectTimeoutMs: 500,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('UNAVAILABLE');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(400);
    // Below the 5 s default that would show connectTimeoutMs being ignored; the rest is slack for load.
    expect(elapsed).toBeLessThan(4_500);
  });

  it('reads and writes go on through the other members when one endpoint is dead', async () => {
    const s = await createStore({ backend: 'etcd', endpoints: ['127.0.0.1:1', ...cluster.endpoints] });
    try {
      const p = prefix();
      // Calls that pick the dead endpoint are refused before sending, so they move on to a live one.
      for (let i = 0; i < 20; i++) expect((await s.putIfAbsent(`${p}${i}`, 'v')).ok).toBe(true);
      expect(await s.list(p)).toHaveLength(20);
    } finally {
      await s.close();
    }
  });
});

describe('README', () => {
  it('runs the quick start against the cluster', async () => {
    const namespace = prefix();
    const calls = await runReadmeQuickStart(join(import.meta.dirname, '..', 'README.md'), {
      "['127.0.0.1:2379']": JSON.stringify([...cluster.endpoints]),
      "'my-service/'": JSON.stringify(namespace),
    });
    expect(calls).toEqual([['this replica accepts payment 42']]);
    expect(toText((await store.get(`${namespace}payment/42`))?.value ?? new Uint8Array())).toBe(
      'replica-a:done',
    );
  });
});
