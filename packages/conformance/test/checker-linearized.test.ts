import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinearizedSet } from '../src/checker/linearized.js';

/*
 * The compact cache key must identify the set exactly: two different sets with one key would let the search
 * skip a configuration it never explored (a false "illegal"). Checked over random depth-first add/remove
 * sequences on sets large enough to span many words.
 */
describe('LinearizedSet', () => {
  it('gives equal keys and hashes exactly to equal sets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 40, maxLength: 140 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { minLength: 60, maxLength: 300 }),
        (definiteFlags, moves) => {
          const definite = Uint8Array.from(definiteFlags, (d) => (d ? 1 : 0));
          const set = new LinearizedSet(definite);
          const key = new Uint32Array(set.maxDefiniteKey);
          const stack: number[] = [];
          const members = new Set<number>();
          const seen = new Map<string, string>();
          const keyOf = new Map<string, string>();
          const record = (): void => {
            const len = set.definiteKey(key);
            const k = `${Array.from(key.subarray(0, len)).join(',')}|${Array.from(set.u).join(',')}`;
            const v = [...members].sort((a, b) => a - b).join(',');
            const prior = seen.get(k);
            if (prior !== undefined) expect(prior).toBe(v);
            seen.set(k, v);
            const priorKey = keyOf.get(v);
            if (priorKey !== undefined) expect(priorKey).toBe(k);
            keyOf.set(v, k);
          };
          record();
          for (const [push, pick] of moves) {
            if (push || stack.length === 0) {
              // Mostly low indexes first, as the search places operations roughly in invocation order.
              const free = [...definite.keys()].filter((i) => !members.has(i));
              if (free.length === 0) continue;
              const i = free[
                Math.min(free.length - 1, pick % 4 === 0 ? pick % free.length : pick % 3)
              ] as number;
              set.add(i);
              members.add(i);
              stack.push(i);
            } else {
              const i = stack.pop() as number;
              set.remove(i);
              members.delete(i);
            }
            record();
          }
          while (stack.length > 0) {
            const i = stack.pop() as number;
            set.remove(i);
            members.delete(i);
          }
          expect(set.dHash).toBe(0);
          expect(set.uHash).toBe(0);
          expect(Array.from(set.u).every((w) => w === 0)).toBe(true);
        },
      ),
      { numRuns: 150, seed: 12 },
    );
  });
});
