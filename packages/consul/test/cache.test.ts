import { describe, expect, it } from 'vitest';
import { INDEX_CACHE_ENTRIES, INDEX_CACHE_VALUE_BYTES, IndexCache } from '../src/cache.js';

const bytes = (s: string) => new TextEncoder().encode(s);

// Pure bookkeeping, no server: which (value, ModifyIndex) pairs a handle remembers.
describe('the index cache of value compare-and-swap', () => {
  it('answers the index at which a key last held exactly a value, and follows later writes', () => {
    const cache = new IndexCache();
    cache.remember('k', bytes('a'), '5');
    expect(cache.indexOf('k', bytes('a'))).toBe(5);
    expect(cache.indexOf('k', bytes('b'))).toBeUndefined();
    expect(cache.indexOf('other', bytes('a'))).toBeUndefined();
    cache.remember('k', bytes('b'), '9');
    expect(cache.indexOf('k', bytes('a'))).toBeUndefined();
    expect(cache.indexOf('k', bytes('b'))).toBe(9);
    cache.saw('k', undefined);
    expect(cache.indexOf('k', bytes('b'))).toBeUndefined();
  });

  it('keeps its own copy: a caller changing its buffer afterwards changes nothing', () => {
    const cache = new IndexCache();
    const mine = bytes('abc');
    cache.remember('k', mine, '3');
    mine[0] = 0x7a;
    expect(cache.indexOf('k', bytes('abc'))).toBe(3);
    const next = bytes('xyz');
    cache.remember('k', next, '4');
    next[0] = 0x61;
    expect(cache.indexOf('k', bytes('xyz'))).toBe(4);
  });

  it('forgets a key whose version it cannot parse or whose value is too long to keep', () => {
    const cache = new IndexCache();
    cache.remember('k', bytes('a'), '5');
    cache.remember('k', bytes('a'), 'not-an-index');
    expect(cache.indexOf('k', bytes('a'))).toBeUndefined();
    cache.remember('k', bytes('a'), '6');
    const long = new Uint8Array(INDEX_CACHE_VALUE_BYTES + 1);
    cache.remember('k', long, '7');
    expect(cache.indexOf('k', long)).toBeUndefined();
    expect(cache.indexOf('k', bytes('a'))).toBeUndefined();
  });

  it(`holds at most ${INDEX_CACHE_ENTRIES} keys, dropping the one added first`, () => {
    const cache = new IndexCache();
    for (let i = 0; i < INDEX_CACHE_ENTRIES; i++) cache.remember(`k${i}`, bytes('v'), String(i + 1));
    // Rewritten in place: it keeps its place in line.
    cache.remember('k0', bytes('w'), '5000');
    cache.remember('new', bytes('v'), '6000');
    expect(cache.indexOf('k0', bytes('w'))).toBeUndefined();
    expect(cache.indexOf('k1', bytes('v'))).toBe(2);
    expect(cache.indexOf('new', bytes('v'))).toBe(6000);
    // Forgotten and remembered again: it goes to the back of the line.
    cache.forget('k1');
    cache.remember('k1', bytes('v'), '7000');
    cache.remember('newer', bytes('v'), '8000');
    expect(cache.indexOf('k2', bytes('v'))).toBeUndefined();
    expect(cache.indexOf('k1', bytes('v'))).toBe(7000);
  });
});
