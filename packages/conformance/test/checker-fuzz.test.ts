import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOperations } from '../src/checker/index.js';
import type { HistoryEvent, Operation, OpFunction, Scalar, Value } from '../src/history/index.js';
import { pairOperations } from '../src/history/index.js';

/*
 * Differential fuzzing: the checker against a brute-force search over every ordering that respects real time,
 * written independently (own register model, no linked lists, no just-in-time trick), on histories small enough
 * to enumerate.
 */

/** The register's sequential specification, straight from docs/history-format.md. Undefined = illegal. */
function apply(op: Operation, s: Value): Value | undefined {
  const unknown = op.outcome === 'unknown';
  switch (op.f) {
    case 'read':
      return op.result === s ? s : undefined;
    case 'write':
      return op.arg as Scalar;
    case 'cas': {
      const [expected, next] = op.arg as readonly [Scalar, Scalar];
      const matches = s !== null && s === expected;
      if (unknown) return matches ? next : s;
      if (op.outcome === 'lost') return matches ? undefined : s;
      return matches ? next : undefined;
    }
    case 'create':
      if (unknown) return s === null ? (op.arg as Scalar) : s;
      if (op.outcome === 'lost') return s === null ? undefined : s;
      return s === null ? (op.arg as Scalar) : undefined;
    case 'delete':
      if (op.result === true && s === null) return undefined;
      if (op.result === false && s !== null) return undefined;
      return null;
  }
}

/** True if some order of the operations of one key explains every observation. */
function bruteForce(all: readonly Operation[]): boolean {
  const ops = all.filter((o) => o.outcome !== 'failed' && !(o.outcome === 'unknown' && o.f === 'read'));
  const must = ops.map((o) => o.outcome !== 'unknown');
  // An unknown outcome may take effect arbitrarily late, whatever its info event says.
  const end = ops.map((o, i) => (must[i] ? (o.completeTime as number) : Number.POSITIVE_INFINITY));
  const placed = ops.map(() => false);
  const go = (s: Value): boolean => {
    if (ops.every((_, i) => placed[i] || !must[i])) return true;
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      const op = ops[i] as Operation;
      // Another unplaced operation that completed strictly before this one began must come first.
      if (ops.some((_, j) => !placed[j] && j !== i && (end[j] as number) < op.invokeTime)) continue;
      const next = apply(op, s);
      if (next === undefined) continue;
      placed[i] = true;
      const found = go(next);
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return go(null);
}

interface OpGen {
  f: OpFunction;
  a: number;
  b: number;
  end: 'ok' | 'fail' | 'err' | 'info' | 'open';
  res: number;
  gap: number;
  dur: number;
}

const opGen: fc.Arbitrary<OpGen> = fc.record({
  f: fc.constantFrom<OpFunction>('read', 'read', 'write', 'write', 'cas', 'create', 'delete'),
  a: fc.integer({ min: 1, max: 3 }),
  b: fc.integer({ min: 1, max: 3 }),
  end: fc.constantFrom<OpGen['end']>('ok', 'ok', 'ok', 'ok', 'fail', 'err', 'info', 'open'),
  // 0 = null / no observation, 1..3 values, 4 = true, 5 = false
  res: fc.integer({ min: 0, max: 5 }),
  gap: fc.integer({ min: 0, max: 3 }),
  dur: fc.integer({ min: 0, max: 4 }),
});

/** Small histories: up to 4 processes, each running a few operations one after another, on keys a and b. */
function historyGen(maxOps: number, keys: readonly string[]): fc.Arbitrary<HistoryEvent[]> {
  return fc
    .array(fc.array(fc.tuple(opGen, fc.constantFrom(...keys)), { maxLength: 3 }), {
      minLength: 1,
      maxLength: 4,
    })
    .filter((ps) => ps.reduce((n, p) => n + p.length, 0) <= maxOps)
    .map((processes) => {
      const events: HistoryEvent[] = [];
      processes.forEach((ops, p) => {
        let t = 0;
        for (const [o, key] of ops) {
          t += o.gap;
          const inv: HistoryEvent = { process: p, type: 'invoke', f: o.f, key, time: t };
          if (o.f === 'write' || o.f === 'create') inv.value = o.a;
          if (o.f === 'cas') inv.value = [o.a, o.b];
          events.push(inv);
          if (o.end === 'open') return;
          t += o.dur;
          const done: HistoryEvent = {
            process: p,
            type: o.end === 'err' ? 'fail' : o.end,
            f: o.f,
            key,
            time: t,
          };
          if (o.end === 'err') done.error = 'UNAVAILABLE';
          if (o.end === 'ok' && o.f === 'read') done.value = o.res === 0 || o.res > 3 ? null : o.res;
          if (o.end === 'ok' && o.f === 'delete' && o.res >= 4) done.value = o.res === 4;
          events.push(done);
        }
      });
      return events;
    });
}

function expectedVerdict(ops: readonly Operation[]): 'ok' | 'illegal' {
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) byKey.set(op.key, [...(byKey.get(op.key) ?? []), op]);
  return [...byKey.values()].every(bruteForce) ? 'ok' : 'illegal';
}

describe('checker against brute force', () => {
  it('agrees on thousands of small single-key histories', () => {
    const seen = { ok: 0, illegal: 0 };
    fc.assert(
      fc.property(historyGen(8, ['k']), (events) => {
        const ops = pairOperations(events);
        const want = expectedVerdict(ops);
        seen[want]++;
        expect(checkOperations(ops).verdict).toBe(want);
      }),
      { numRuns: 6000, seed: 20261126 },
    );
    // Both verdicts must be well represented, or the comparison proves little.
    expect(seen.ok).toBeGreaterThan(1000);
    expect(seen.illegal).toBeGreaterThan(1000);
  });

  it('agrees on multi-key histories (keys checked independently)', () => {
    fc.assert(
      fc.property(historyGen(9, ['a', 'b']), (events) => {
        const ops = pairOperations(events);
        const result = checkOperations(ops);
        expect(result.verdict).toBe(expectedVerdict(ops));
        for (const k of result.keys) {
          expect(k.verdict).toBe(bruteForce(ops.filter((o) => o.key === k.key)) ? 'ok' : 'illegal');
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('reports a violation whose prefix is a legal sequence and excludes the unplaceable operation', () => {
    let checked = 0;
    fc.assert(
      fc.property(historyGen(8, ['k']), (events) => {
        const ops = pairOperations(events);
        const result = checkOperations(ops);
        const v = result.keys[0]?.violation;
        if (result.verdict !== 'illegal' || v === undefined) return;
        checked++;
        expect(v.longestPrefix).not.toContain(v.unplaceable.id);
        let s: Value | undefined = null;
        for (const id of v.longestPrefix) {
          s = apply(ops[id] as Operation, s as Value);
          expect(s).not.toBeUndefined();
        }
        expect(s).toBe(v.stateAfterPrefix);
      }),
      { numRuns: 1000, seed: 99 },
    );
    expect(checked).toBeGreaterThan(100);
  });
});
