import { describe, expect, it } from 'vitest';
import { checkHistory } from '../src/checker/index.js';
import { type HistoryEvent, type Operation, pairOperations, simulateHistory } from '../src/history/index.js';

/*
 * Mutation tests: take a history recorded from a linearizable register (so it passes), corrupt the result of one
 * read in a way that is provably impossible, and require `illegal` on that key. A checker that lets any of these
 * through would also miss the real bug they stand for.
 */

const writes = (op: Operation): boolean =>
  op.outcome === 'ok' && (op.f === 'write' || op.f === 'cas' || op.f === 'create' || op.f === 'delete');

const written = (op: Operation): unknown =>
  op.f === 'cas' ? (op.arg as readonly unknown[])[1] : op.f === 'delete' ? null : op.arg;

/** The value a stale read could show: written by a completed op that another completed op surely overwrote. */
function staleValue(ops: readonly Operation[], read: Operation): unknown {
  for (const older of ops) {
    if (!writes(older) || older.f === 'delete' || older.key !== read.key || older.id === read.id) continue;
    const overwritten = ops.some(
      (newer) =>
        writes(newer) &&
        newer.key === read.key &&
        newer.invokeTime > (older.completeTime as number) &&
        (newer.completeTime as number) < read.invokeTime &&
        written(newer) !== written(older),
    );
    if (overwritten && written(older) !== read.result) return written(older);
  }
  return undefined;
}

/** A value whose only writer was invoked after the read completed: the read saw the future. */
function futureValue(ops: readonly Operation[], read: Operation): unknown {
  for (const w of ops) {
    if (w.key !== read.key || w.outcome === 'failed' || w.f === 'read' || w.f === 'delete') continue;
    if (w.invokeTime > (read.completeTime as number)) return written(w);
  }
  return undefined;
}

function withReadResult(events: readonly HistoryEvent[], read: Operation, value: unknown): HistoryEvent[] {
  const copy = events.slice();
  copy[read.completeIndex as number] = {
    ...(events[read.completeIndex as number] as HistoryEvent),
    value,
  } as HistoryEvent;
  return copy;
}

describe('mutation tests on passing histories', () => {
  const seeds = [1, 2, 3, 4, 5, 6];
  for (const seed of seeds) {
    it(`seed ${seed}: every corrupted read is caught`, () => {
      const events = simulateHistory({ ops: 240, keys: 2, clients: 6, unknownRate: 0.08, seed });
      expect(checkHistory(events).verdict).toBe('ok');
      const ops = pairOperations(events);
      const reads = ops.filter((o) => o.f === 'read' && o.outcome === 'ok');
      const mutants: Array<{ read: Operation; value: unknown; kind: string }> = [];
      // Every 4th read, to keep the run short while still covering each kind of corruption many times.
      reads.forEach((read, i) => {
        if (i % 4 !== 0) return;
        mutants.push({ read, value: `never-written-${i}`, kind: 'never written' });
        const stale = staleValue(ops, read);
        if (stale !== undefined) mutants.push({ read, value: stale, kind: 'stale' });
        const future = futureValue(ops, read);
        if (future !== undefined) mutants.push({ read, value: future, kind: 'future' });
      });
      const kinds = new Set(mutants.map((m) => m.kind));
      expect([...kinds].sort()).toEqual(['future', 'never written', 'stale']);
      for (const m of mutants) {
        const result = checkHistory(withReadResult(events, m.read, m.value));
        const key = result.keys.find((k) => k.key === m.read.key);
        expect({ kind: m.kind, read: m.read.id, verdict: key?.verdict }).toEqual({
          kind: m.kind,
          read: m.read.id,
          verdict: 'illegal',
        });
        expect(result.keys.filter((k) => k.key !== m.read.key).every((k) => k.verdict === 'ok')).toBe(true);
      }
    });
  }
});

describe('histories of a linearizable register', () => {
  it('are all accepted, even with many unknown outcomes (no pruning may reject them)', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const events = simulateHistory({
        ops: 150,
        keys: 2,
        clients: 8,
        unknownRate: 0.3,
        failRate: 0.1,
        seed,
      });
      const result = checkHistory(events, { timeLimitMs: 10_000 });
      expect({ seed, verdict: result.verdict }).toEqual({ seed, verdict: 'ok' });
    }
  });
});
