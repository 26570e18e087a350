import { channel } from 'node:diagnostics_channel';
import { contractLimits, createStore, type Store, toText } from '@strongbox/core';
import { describe, expect, it } from 'vitest';
import { MAX_GROUP_OPS } from '../src/index.js';
import { codeOf, countRequests, fileCluster, open, prefix } from './helpers.js';

const files = fileCluster();

async function store(readsInFlight: number, writesInFlight = 4): Promise<Store> {
  const s = await open(files.cluster.endpoints, {
    consul: { readsInFlight, writesInFlight },
    requestTimeoutMs: 15_000,
  });
  files.keep(s);
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
    const s = await store(1);
    const p = prefix();
    // Control characters: 6 bytes of JSON each (\u0001), the most a key's byte can take.
    const keys = Array.from({ length: MAX_GROUP_OPS + 1 }, (_, i) =>
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
    // a alone, then c alone in a read transaction. Had b (which does not exist) gone with c, Consul
    // would have refused that transaction for b and c would have been sent a third time.
    expect(counted.sent.map((r) => r.split('?')[0])).toEqual([
      `GET /v1/kv/${encodeURIComponent(`${p}a`)}`,
      'PUT /v1/txn',
    ]);
  });

  it('closing the store fails the gets still waiting with CLOSED, before anything is sent for them', async () => {
    const s = await open(files.cluster.endpoints, { consul: { readsInFlight: 1 } });
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

  it('refuses a readsInFlight or writesInFlight outside 1..64 before connecting', async () => {
    for (const n of [0, 65, 1.5, -1]) {
      for (const consul of [{ readsInFlight: n }, { writesInFlight: n }]) {
        expect(
          await codeOf(createStore({ backend: 'consul', endpoints: ['127.0.0.1:9'], consul })),
          JSON.stringify(consul),
        ).toBe('INVALID_CONFIG');
      }
    }
  });
});

/** Only the write transactions (no `consistent`) among requests. */
const writeTxns = (sent: readonly string[]) =>
  sent.filter((r) => r.startsWith('PUT /v1/txn') && !r.includes('consistent'));

describe('consul single-key writes beyond writesInFlight go together as one transaction', () => {
  it('gives every put its own new version, with fewer requests and at most writesInFlight out', async () => {
    const s = await store(4, 1);
    const p = prefix();
    const keys = Array.from({ length: 30 }, (_, i) => `${p}k${i}`);
    const counted = await countRequests(() =>
      peakInFlight(() => Promise.all(keys.map((k, i) => s.put(k, `v${i}`).then((r) => r.version)))),
    );
    const versions = counted.result.result;
    expect(counted.result.peak).toBeLessThanOrEqual(1);
    expect(writeTxns(counted.sent).length).toBeLessThan(keys.length / 3);
    for (let i = 0; i < keys.length; i++) {
      const e = await s.get(keys[i] as string);
      expect([toText(e?.value ?? new Uint8Array()), e?.version]).toEqual([`v${i}`, versions[i]]);
    }
  });

  it('never puts two writes of one key in a group; a write of a key that already waits goes out at once', async () => {
    const s = await store(4, 1);
    const p = prefix();
    const counted = await countRequests(() =>
      peakInFlight(() =>
        Promise.all(Array.from({ length: 10 }, (_, i) => s.put(`${p}same`, `v${i}`).then((r) => r.version))),
      ),
    );
    const versions = counted.result.result;
    // One with the slot, one waiting for it, eight alone at once: ten requests, ten versions.
    expect(writeTxns(counted.sent)).toHaveLength(10);
    expect(counted.result.peak).toBeGreaterThan(1);
    expect(new Set(versions).size).toBe(10);
    // The last write of the key is the one with the highest version.
    const last = versions.reduce((a, b) => (Number(b) > Number(a) ? b : a));
    const e = await s.get(`${p}same`);
    expect([toText(e?.value ?? new Uint8Array()), e?.version]).toEqual([`v${versions.indexOf(last)}`, last]);
  });

  it('gives each conditional write in a group its own outcome, and applies exactly the winners', async () => {
    const s = await store(4, 1);
    const p = prefix();
    const v1 = (await s.put(`${p}ver`, 'one')).version;
    const v2 = (await s.put(`${p}ver`, 'two')).version;
    await s.put(`${p}taken`, 'first');
    await s.put(`${p}swap`, 'old');
    const gone = (await s.put(`${p}gone`, 'x')).version;
    await s.put(`${p}del`, 'x');
    // The first goes alone; the others wait for it and go together.
    const counted = await countRequests(() =>
      Promise.all([
        s.put(`${p}warm`, 'up'),
        s.putIfVersion(`${p}ver`, 'stale', v1),
        s.putIfVersion(`${p}ver2`, 'never', v2),
        s.putIfAbsent(`${p}taken`, 'second'),
        s.putIfAbsent(`${p}free`, 'mine'),
        s.compareAndSwap(`${p}swap`, 'old', 'new'),
        s.compareAndSwap(`${p}taken`, 'wrong', 'x'),
        s.deleteIfVersion(`${p}gone`, gone),
        s.delete(`${p}del`),
        s.delete(`${p}none`),
      ] as const),
    );
    const [, stale, fresh, taken, free, swapped, noSwap, deletedIf, deleted, absent] = counted.result;
    expect(writeTxns(counted.sent).length).toBeLessThan(10);
    expect(stale).toMatchObject({ ok: false, current: { version: v2 } });
    expect(fresh).toEqual({ ok: false, current: undefined });
    expect(taken).toMatchObject({ ok: false });
    expect([free.ok, swapped.ok]).toEqual([true, true]);
    expect(noSwap).toMatchObject({ ok: false });
    expect(deletedIf).toEqual({ ok: true });
    expect([deleted, absent]).toEqual([{ deleted: true }, { deleted: false }]);
    const text = async (k: string) => {
      const e = await s.get(`${p}${k}`);
      return e === undefined ? undefined : toText(e.value);
    };
    expect(
      await Promise.all(['ver', 'ver2', 'taken', 'free', 'swap', 'gone', 'del', 'warm'].map(text)),
    ).toEqual(['two', undefined, 'first', 'mine', 'new', undefined, undefined, 'up']);
  });

  it('a waiting write that is aborted is never sent nor applied (INDETERMINATE, as any write given up once handed over)', async () => {
    const s = await store(4, 1);
    const p = prefix();
    const abort = new AbortController();
    const counted = await countRequests(async () => {
      const first = s.put(`${p}a`, 'A');
      const aborted = codeOf(s.put(`${p}b`, 'B', { signal: abort.signal }));
      const last = s.put(`${p}c`, 'C');
      abort.abort();
      await first;
      await last;
      return aborted;
    });
    expect(counted.result).toBe('INDETERMINATE');
    expect(writeTxns(counted.sent)).toHaveLength(2);
    expect(await s.get(`${p}b`)).toBeUndefined();
    expect(toText((await s.get(`${p}c`))?.value ?? new Uint8Array())).toBe('C');
  });

  it('closing the store fails the writes still waiting with CLOSED, and they are never applied', async () => {
    const s = await open(files.cluster.endpoints, { consul: { writesInFlight: 1 } });
    const p = prefix();
    const first = codeOf(s.put(`${p}a`, 'A'));
    const waiting = codeOf(s.put(`${p}b`, 'B'));
    await s.close();
    expect(await waiting).toBe('CLOSED');
    await first;
    const check = await store(4);
    expect(await check.get(`${p}b`)).toBeUndefined();
  });

  it('never puts into one request more than fits: writes of the largest values go one by one', async () => {
    const s = await store(4, 1);
    const p = prefix();
    const big = new Uint8Array(contractLimits.maxValueBytes).fill(7);
    const counted = await countRequests(() =>
      Promise.all(Array.from({ length: 5 }, (_, i) => s.put(`${p}${i}`, big).then((r) => r.version))),
    );
    // 256 KiB is 342 KiB once base64-encoded: two would exceed Consul's 512 KiB per request.
    expect(writeTxns(counted.sent)).toHaveLength(5);
    expect(new Set(counted.result).size).toBe(5);
    expect((await s.get(`${p}4`))?.value).toEqual(big);
  });
});
