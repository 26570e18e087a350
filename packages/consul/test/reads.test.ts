import { channel } from 'node:diagnostics_channel';
import { type Cluster, startCluster } from '@strongbox/cluster';
import { contractLimits, createStore, type Store, toText } from '@strongbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_READ_BATCH, MAX_TXN_BODY_BYTES } from '../src/index.js';
import { codeOf, countRequests, open, prefix } from './helpers.js';

let cluster: Cluster;
const stores: Store[] = [];

beforeAll(async () => {
  cluster = await startCluster({ backend: 'consul', nodes: 3 });
}, 120_000);
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await cluster?.stop();
});

async function store(readsInFlight: number): Promise<Store> {
  const s = await open(cluster.endpoints, { consul: { readsInFlight }, requestTimeoutMs: 15_000 });
  stores.push(s);
  return s;
}

/** Runs `fn` and reports the most HTTP requests of this process that were out at one moment. */
async function peakInFlight<T>(fn: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let out = 0;
  let peak = 0;
  const started = () => {
    out++;
    peak = Math.max(peak, out);
  };
  const finished = () => {
    out--;
  };
  const start = channel('http.client.request.start');
  const finish = channel('http.client.response.finish');
  start.subscribe(started);
  finish.subscribe(finished);
  try {
    return { result: await fn(), peak };
  } finally {
    start.unsubscribe(started);
    finish.unsubscribe(finished);
  }
}

describe('consul gets beyond readsInFlight go together as read transactions', () => {
  it('answers each key on its own (present, absent, URL-unsafe, repeated) with at most readsInFlight requests out', async () => {
    const s = await store(2);
    const p = prefix();
    const present = Array.from({ length: 30 }, (_, i) => `${p}k${i}`);
    const odd = [`${p}ü`, `${p}a//b`, `${p}nl\nx`];
    const versions = new Map<string, string>();
    for (const k of [...present, ...odd]) versions.set(k, (await s.put(k, `v:${k}`)).version);
    const absent = Array.from({ length: 10 }, (_, i) => `${p}none${i}`);
    // Interleaved, so that most groups hold absent keys (a refused transaction) as well as present ones.
    const keys: string[] = [];
    for (let i = 0; i < present.length; i++) {
      keys.push(present[i] as string);
      if (i < absent.length) keys.push(absent[i] as string);
      if (i < odd.length) keys.push(odd[i] as string);
      if (i % 7 === 0) keys.push(present[0] as string);
    }
    const counted = await countRequests(() => peakInFlight(() => Promise.all(keys.map((k) => s.get(k)))));
    const { result: entries, peak } = counted.result;
    keys.forEach((k, i) => {
      const e = entries[i];
      if (versions.has(k)) {
        expect(e?.key, k).toBe(k);
        expect(toText(e?.value ?? new Uint8Array()), k).toBe(`v:${k}`);
        expect(e?.version, k).toBe(versions.get(k));
      } else expect(e, k).toBeUndefined();
    });
    expect(peak).toBeLessThanOrEqual(2);
    expect(counted.requests).toBeLessThan(keys.length / 3);
    const txns = counted.sent.filter((r) => r.startsWith('PUT /v1/txn?'));
    expect(txns.length).toBeGreaterThan(0);
    for (const r of counted.sent)
      expect(new URL(r.split(' ')[1] as string, 'http://x').searchParams.get('consistent'), r).toBe('1');
  });

  it('reads a value written by an earlier call, in a group as alone', async () => {
    const s = await store(1);
    const p = prefix();
    await s.put(`${p}x`, 'old');
    const { version } = await s.put(`${p}x`, 'new');
    const all = await Promise.all(Array.from({ length: 20 }, () => s.get(`${p}x`)));
    for (const e of all) expect([toText(e?.value ?? new Uint8Array()), e?.version]).toEqual(['new', version]);
  });

  it('a group of the most keys of the longest kind fits in one request', async () => {
    expect(MAX_READ_BATCH * (6 * contractLimits.maxKeyBytes + 40)).toBeLessThan(MAX_TXN_BODY_BYTES);
    const s = await store(1);
    const p = prefix();
    // Control characters: 6 bytes of JSON each (\u0001), the most a key's byte can take.
    const keys = Array.from({ length: MAX_READ_BATCH + 1 }, (_, i) =>
      `${p}${i}-`.padEnd(contractLimits.maxKeyBytes, '\u0001'),
    );
    await s.put(keys[5] as string, 'here');
    const counted = await countRequests(() => Promise.all(keys.map((k) => s.get(k))));
    expect(counted.result.map((e) => (e === undefined ? '-' : toText(e.value)))).toEqual(
      keys.map((_, i) => (i === 5 ? 'here' : '-')),
    );
    // The first alone, the other 64 in one group (refused for its 63 missing keys), the one left again.
    expect(counted.requests).toBe(3);
  });

  it('a waiting get that is aborted fails alone and is never sent; the others are answered', async () => {
    const s = await store(1);
    const p = prefix();
    await s.put(`${p}a`, 'A');
    await s.put(`${p}c`, 'C');
    const counted = await countRequests(async () => {
      const abort = new AbortController();
      const first = s.get(`${p}a`);
      const aborted = s.get(`${p}b`, { signal: abort.signal });
      const last = s.get(`${p}c`);
      abort.abort();
      return [
        await codeOf(aborted),
        toText((await first)?.value ?? new Uint8Array()),
        toText((await last)?.value ?? new Uint8Array()),
      ];
    });
    expect(counted.result).toEqual(['ABORTED', 'A', 'C']);
    // Two single reads: b never went out, so c went alone, not in a group with it.
    expect(counted.sent.map((r) => r.split('?')[0])).toEqual([
      `GET /v1/kv/${encodeURIComponent(`${p}a`)}`,
      `GET /v1/kv/${encodeURIComponent(`${p}c`)}`,
    ]);
  });

  it('closing the store fails the gets still waiting with CLOSED, before anything is sent for them', async () => {
    const s = await open(cluster.endpoints, { consul: { readsInFlight: 1 } });
    const p = prefix();
    const first = codeOf(s.get(`${p}a`));
    const waiting = codeOf(s.get(`${p}b`));
    const counted = await countRequests(async () => {
      await s.close();
      return [await first, await waiting];
    });
    expect(counted.result[1]).toBe('CLOSED');
    expect(counted.sent.filter((r) => r.includes(encodeURIComponent(`${p}b`)))).toEqual([]);
  });

  it('refuses a readsInFlight outside 1..64 before connecting', async () => {
    for (const readsInFlight of [0, 65, 1.5, -1]) {
      expect(
        await codeOf(
          createStore({ backend: 'consul', endpoints: ['127.0.0.1:9'], consul: { readsInFlight } }),
        ),
        String(readsInFlight),
      ).toBe('INVALID_CONFIG');
    }
  });
});
