import assert from 'node:assert/strict';
import { type Store, toText } from '@strongbox/core';
import { type ContractCase, parallel, textOf } from './context.js';

const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length] as T;

export const concurrencyCases: ContractCase[] = [
  {
    group: 'concurrency',
    name: '50 concurrent putIfAbsent on one key: exactly one wins and every loser sees the winner',
    timeoutMs: 120_000,
    async run({ replicas }) {
      const results = await parallel(50, (i) => pick(replicas, i).putIfAbsent('payment', `replica-${i}`));
      const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
      assert.equal(winners.length, 1, `exactly one putIfAbsent must win, ${winners.length} did`);
      const winner = `replica-${winners[0]}`;
      for (const r of results) if (!r.ok) assert.equal(r.current && toText(r.current.value), winner);
      assert.equal(await textOf(pick(replicas, 1), 'payment'), winner);
    },
  },
  {
    group: 'concurrency',
    name: '20 workers × 25 CAS increments on one counter: final 500, no lost or doubled update',
    timeoutMs: 300_000,
    async run({ replicas }) {
      await pick(replicas, 0).put('counter', '0');
      const applied: number[] = [];
      await parallel(20, async (w) => {
        const store: Store = pick(replicas, w);
        let current = Number(await textOf(store, 'counter'));
        for (let done = 0; done < 25; ) {
          const r = await store.compareAndSwap('counter', String(current), String(current + 1));
          if (r.ok) {
            applied.push(current + 1);
            current += 1;
            done++;
          } else {
            assert.ok(r.current, 'the counter is never deleted');
            const seen = Number(toText(r.current.value));
            assert.notEqual(seen, current, 'a CAS that lost must see a different value');
            current = seen;
          }
        }
      });
      assert.equal(await textOf(pick(replicas, 1), 'counter'), '500');
      assert.deepEqual(
        [...applied].sort((a, b) => a - b),
        Array.from({ length: 500 }, (_, i) => i + 1),
        'each increment from 1 to 500 must have been won exactly once',
      );
    },
  },
  {
    group: 'concurrency',
    name: 'concurrent transactions over overlapping keys stay atomic',
    timeoutMs: 300_000,
    async run({ replicas }) {
      const accounts = ['acct-a', 'acct-b', 'acct-c'];
      const first = pick(replicas, 0);
      for (const a of accounts) await first.put(a, '100');
      const committed: Array<{ from: string; to: string; amount: number }> = [];
      await parallel(8, async (w) => {
        const store = pick(replicas, w);
        for (let t = 0; t < 8; t++) {
          const from = pick(accounts, w + t);
          const to = pick(accounts, w + t + 1 + (t % 2));
          if (from === to) continue;
          const amount = 1 + ((w * 8 + t) % 5);
          const r = await store.update(
            [from, to],
            (cur) => ({
              operations: [
                {
                  type: 'put',
                  key: from,
                  value: String(Number(toText(cur.get(from)?.value ?? new Uint8Array())) - amount),
                },
                {
                  type: 'put',
                  key: to,
                  value: String(Number(toText(cur.get(to)?.value ?? new Uint8Array())) + amount),
                },
              ],
            }),
            { maxAttempts: 100, initialBackoffMs: 2, maxBackoffMs: 50 },
          );
          if (r.ok) committed.push({ from, to, amount });
        }
      });
      const expected = new Map(accounts.map((a) => [a, 100]));
      for (const c of committed) {
        expected.set(c.from, (expected.get(c.from) ?? 0) - c.amount);
        expected.set(c.to, (expected.get(c.to) ?? 0) + c.amount);
      }
      const reader = pick(replicas, 1);
      let total = 0;
      for (const a of accounts) {
        const v = Number(await textOf(reader, a));
        total += v;
        assert.equal(v, expected.get(a), `${a} must reflect exactly the committed transfers`);
      }
      assert.equal(total, 300, 'transfers must neither create nor destroy money');
      assert.ok(committed.length > 0);
    },
  },
];
