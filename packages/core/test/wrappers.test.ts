import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalJson, createMemoryStore, MemoryState, prefixed, toText, typed } from '../src/index.js';

describe('prefixed', () => {
  it('stacks prefixes and hides them from the caller', async () => {
    const state = new MemoryState();
    const base = createMemoryStore({ state });
    const channels = prefixed(prefixed(base, 'network/'), 'org/group/payment-channel/');
    const { version } = await channels.put('42', 'v');
    expect((await base.get('network/org/group/payment-channel/42'))?.version).toBe(version);
    expect((await channels.list('')).map((e) => e.key)).toEqual(['42']);
    const lost = await channels.putIfAbsent('42', 'w');
    expect(lost).toMatchObject({ ok: false, current: { key: '42' } });
    const t = await channels.transaction({ operations: [{ type: 'put', key: '43', value: 'x' }] });
    expect(t.ok && [...t.versions.keys()]).toEqual(['43']);
  });

  it('counts the prefix against the key limit and names the caller’s key length', async () => {
    const store = prefixed(createMemoryStore(), 'p'.repeat(24));
    expect(store.capabilities.maxKeyBytes).toBe(1000);
    await expect(store.put('k'.repeat(1001), 'v')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'key must be 1..1000 bytes of UTF-8, got 1001',
    });
    expect(() => prefixed(createMemoryStore(), '')).toThrow(/non-empty/);
  });
});

describe('typed', () => {
  const channel = z.object({ nonce: z.number().int(), amount: z.string(), signer: z.string().optional() });

  it('validates writes before sending and decodes reads', async () => {
    const state = new MemoryState();
    const raw = createMemoryStore({ state });
    const store = typed(raw, channel);
    await store.put('c1', { nonce: 1, amount: '100' });
    expect((await store.get('c1'))?.value).toEqual({ nonce: 1, amount: '100' });
    await expect(store.put('c2', { nonce: 1.5, amount: '1' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('nonce'),
    });
    expect(await raw.get('c2')).toBeUndefined();
    await raw.put('c3', '{"nonce":"x"}');
    await expect(store.get('c3')).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    await raw.put('c4', Uint8Array.of(0xff));
    await expect(store.get('c4')).rejects.toMatchObject({ code: 'INVALID_VALUE' });
  });

  it('compares values by meaning: key order does not matter to compareAndSwap', async () => {
    const store = typed(createMemoryStore(), channel);
    await store.put('c', { amount: '5', nonce: 1 });
    const r = await store.compareAndSwap('c', { nonce: 1, amount: '5' }, { nonce: 2, amount: '7' });
    expect(r.ok).toBe(true);
    const lost = await store.compareAndSwap('c', { nonce: 1, amount: '5' }, { nonce: 3, amount: '9' });
    expect(lost).toMatchObject({ ok: false, current: { value: { nonce: 2, amount: '7' } } });
    expect(toText((await store.store.get('c'))?.value ?? new Uint8Array())).toBe('{"amount":"7","nonce":2}');
  });

  it('update hands decoded values to the callback', async () => {
    const store = typed(createMemoryStore(), channel);
    await store.put('c', { nonce: 1, amount: '10' });
    const r = await store.update(['c'], (cur) => {
      const c = cur.get('c')?.value;
      return (
        c && { operations: [{ type: 'put', key: 'c', value: { ...c, nonce: c.nonce + 1 } }], result: c.nonce }
      );
    });
    expect(r).toMatchObject({ ok: true, attempts: 1, result: 1 });
    expect((await store.get('c'))?.value.nonce).toBe(2);
  });

  it('canonical JSON sorts keys at every depth and refuses what JSON cannot hold', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/not valid JSON/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
  });
});
