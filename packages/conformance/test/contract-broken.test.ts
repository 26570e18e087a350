import { runContractCases } from '@strongbox/conformance';
import { createMemoryStore, MemoryState } from '@strongbox/core';
import { describe, expect, it } from 'vitest';
import { brokenStores } from './broken-stores.js';

/** For each broken store, the cases written to catch exactly that bug (matched by name prefix). */
const mustCatch: Record<string, string[]> = {
  'a transaction that applies half': [
    'applies every operation when every condition holds',
    'concurrent transactions over overlapping keys stay atomic',
  ],
  'a CAS that ignores the version': [
    'putIfVersion wins with the current version and loses with a stale one',
    'applies nothing when any one condition fails',
  ],
  'versions reused after delete': [
    'a version from before delete and re-create never matches',
    'versions stay unique over many delete and re-create cycles',
  ],
  'a stale read': ['a write through one replica is seen by the next read'],
  'a stale check (a transaction of conditions only)': [
    'a write through one replica is seen by the next read',
  ],
  'a racy check-then-set CAS': ['50 concurrent putIfAbsent on one key', '20 workers × 25 CAS increments'],
  'a lost comparison thrown as an error': ['putIfAbsent writes an absent key and loses on a present one'],
  'no-op writes that keep the old version': ['rewriting the same bytes is a new write'],
};

describe('the contract suite catches broken stores', () => {
  for (const [name, make] of Object.entries(brokenStores)) {
    it(`fails on ${name}`, async () => {
      const state = new MemoryState();
      const open = make();
      const outcomes = await runContractCases({
        name,
        createStore: async () => open(state),
        timeoutMs: 3_000,
      });
      const failed = outcomes.filter((o) => !o.passed).map((o) => o.name);
      const expectations = mustCatch[name];
      if (expectations === undefined) throw new Error(`say which cases must catch ${name}`);
      for (const expected of expectations) {
        expect(
          failed.some((f) => f.startsWith(expected)),
          `case "${expected}" must fail on ${name}`,
        ).toBe(true);
      }
    }, 120_000);
  }

  it('passes every case on the faithful memory store (so the failures above are the bugs)', async () => {
    const state = new MemoryState();
    const outcomes = await runContractCases({
      name: 'memory',
      createStore: async () => createMemoryStore({ state }),
    });
    expect(outcomes.filter((o) => !o.passed).map((o) => `${o.name}: ${String(o.error)}`)).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(30);
  }, 60_000);
});
