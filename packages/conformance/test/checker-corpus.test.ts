import { describe, expect, it } from 'vitest';
import { checkHistory } from '../src/checker/index.js';
import type { HistoryEvent, OpFunction, Scalar, Value } from '../src/history/index.js';

/** One operation of a hand-written history: process, function, argument, [invoke, complete] and how it ended. */
interface Spec {
  p: number;
  f: OpFunction;
  arg?: Scalar | [Scalar, Scalar];
  /** ok (default), fail (no error: lost comparison), err (fail with error), info, open (never completes). */
  end?: 'ok' | 'fail' | 'err' | 'info' | 'open';
  /** A read's value or delete's boolean. */
  res?: Value | boolean;
  t: [number, number];
  key?: string;
}

/** Builds the event list of hand-written operations, in time order as a recorder would write it. */
function history(...specs: Spec[]): HistoryEvent[] {
  const timed: Array<{ t: number; order: number; e: HistoryEvent }> = [];
  specs.forEach((s, i) => {
    const key = s.key ?? 'k';
    const inv: HistoryEvent = { process: s.p, type: 'invoke', f: s.f, key, time: s.t[0] };
    if (s.arg !== undefined) inv.value = s.arg;
    timed.push({ t: s.t[0], order: i * 2, e: inv });
    const end = s.end ?? 'ok';
    if (end === 'open') return;
    const done: HistoryEvent = {
      process: s.p,
      type: end === 'err' ? 'fail' : end,
      f: s.f,
      key,
      time: s.t[1],
    };
    if (end === 'err') done.error = 'UNAVAILABLE';
    if (end === 'info') done.error = 'TIMEOUT';
    if (s.res !== undefined) done.value = s.res;
    timed.push({ t: s.t[1], order: i * 2 + 1, e: done });
  });
  return timed.sort((x, y) => x.t - y.t || x.order - y.order).map((x) => x.e);
}

const mustReject: Record<string, HistoryEvent[]> = {
  'stale read after a completed write': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 0, f: 'write', arg: 2, t: [20, 30] },
    { p: 1, f: 'read', res: 1, t: [40, 50] },
  ),
  'read of a never written value': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 1, f: 'read', res: 5, t: [5, 20] },
  ),
  'read of a value before its write was invoked': history(
    { p: 1, f: 'read', res: 1, t: [0, 10] },
    { p: 0, f: 'write', arg: 1, t: [11, 20], end: 'info' },
  ),
  'two CAS from the same value both succeeding': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 1, f: 'cas', arg: [1, 2], t: [20, 40] },
    { p: 2, f: 'cas', arg: [1, 3], t: [20, 40] },
  ),
  'create succeeding twice': history(
    { p: 0, f: 'create', arg: 1, t: [0, 10] },
    { p: 1, f: 'create', arg: 2, t: [5, 20] },
  ),
  'a read of a definitely failed write': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10], end: 'err' },
    { p: 1, f: 'read', res: 1, t: [20, 30] },
  ),
  'a wrong "CAS failed"': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 1, f: 'cas', arg: [1, 2], t: [20, 30], end: 'fail' },
  ),
  'a wrong "create failed" on an absent key': history({ p: 0, f: 'create', arg: 1, t: [0, 10], end: 'fail' }),
  'two readers seeing two writes in opposite orders': history(
    { p: 0, f: 'write', arg: 1, t: [0, 100] },
    { p: 1, f: 'write', arg: 2, t: [0, 100] },
    { p: 2, f: 'read', res: 1, t: [10, 20] },
    { p: 2, f: 'read', res: 2, t: [30, 40] },
    { p: 3, f: 'read', res: 2, t: [10, 20] },
    { p: 3, f: 'read', res: 1, t: [30, 40] },
  ),
  'CAS succeeding on an absent key': history({ p: 0, f: 'cas', arg: [1, 2], t: [0, 10] }),
  'delete reporting a present key that was absent': history({ p: 0, f: 'delete', res: true, t: [0, 10] }),
  'delete reporting an absent key that was present': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 0, f: 'delete', res: false, t: [20, 30] },
  ),
  'a read of the old value after a completed delete': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 0, f: 'delete', t: [20, 30] },
    { p: 1, f: 'read', res: 1, t: [40, 50] },
  ),
  'an unknown write taking effect twice': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10], end: 'info' },
    { p: 1, f: 'read', res: 1, t: [20, 30] },
    { p: 1, f: 'write', arg: 2, t: [40, 50] },
    { p: 1, f: 'read', res: 1, t: [60, 70] },
  ),
  'a violation on one key among passing ones': [
    ...history(
      { p: 0, f: 'write', arg: 1, t: [0, 10], key: 'a' },
      { p: 1, f: 'read', res: 1, t: [20, 30], key: 'a' },
    ),
    ...history(
      { p: 2, f: 'write', arg: 1, t: [40, 50], key: 'b' },
      { p: 3, f: 'read', res: 2, t: [60, 70], key: 'b' },
    ),
  ],
};

const mustAccept: Record<string, HistoryEvent[]> = {
  'an empty history': [],
  'an unknown write observed later': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10], end: 'info' },
    { p: 1, f: 'read', res: 1, t: [20, 30] },
  ),
  'an unknown write never observed': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10], end: 'info' },
    { p: 1, f: 'read', res: null, t: [20, 30] },
  ),
  'an unknown write taking effect after a later write': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10], end: 'info' },
    { p: 1, f: 'write', arg: 2, t: [20, 30] },
    { p: 1, f: 'read', res: 1, t: [40, 50] },
  ),
  'a write that never completed, observed': history(
    { p: 0, f: 'write', arg: 1, t: [0, 0], end: 'open' },
    { p: 1, f: 'read', res: 1, t: [20, 30] },
  ),
  'operations touching at equal timestamps (read the new value)': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 1, f: 'read', res: 1, t: [10, 20] },
  ),
  'operations touching at equal timestamps (read the old value)': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 1, f: 'read', res: null, t: [10, 20] },
  ),
  'a verified lost CAS': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 1, f: 'cas', arg: [2, 3], t: [20, 30], end: 'fail' },
    { p: 1, f: 'read', res: 1, t: [40, 50] },
  ),
  'a CAS that failed with an error did not happen': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 1, f: 'cas', arg: [1, 3], t: [20, 30], end: 'err' },
    { p: 1, f: 'read', res: 1, t: [40, 50] },
  ),
  'one of two concurrent CAS wins': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 1, f: 'cas', arg: [1, 2], t: [20, 40] },
    { p: 2, f: 'cas', arg: [1, 3], t: [20, 40], end: 'fail' },
    { p: 2, f: 'read', res: 2, t: [50, 60] },
  ),
  'create, lost create, delete, create again': history(
    { p: 0, f: 'create', arg: 1, t: [0, 10] },
    { p: 1, f: 'create', arg: 2, t: [20, 30], end: 'fail' },
    { p: 0, f: 'delete', res: true, t: [40, 50] },
    { p: 1, f: 'delete', res: false, t: [60, 70] },
    { p: 1, f: 'create', arg: 3, t: [80, 90] },
    { p: 0, f: 'read', res: 3, t: [100, 110] },
  ),
  'concurrent writes read in one order by everyone': history(
    { p: 0, f: 'write', arg: 1, t: [0, 100] },
    { p: 1, f: 'write', arg: 2, t: [0, 100] },
    { p: 2, f: 'read', res: 1, t: [10, 20] },
    { p: 2, f: 'read', res: 2, t: [30, 40] },
    { p: 3, f: 'read', res: 1, t: [10, 20] },
    { p: 3, f: 'read', res: 2, t: [30, 40] },
  ),
  'an unknown CAS that took effect': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 1, f: 'cas', arg: [1, 2], t: [20, 30], end: 'info' },
    { p: 0, f: 'read', res: 2, t: [40, 50] },
  ),
  'an unknown read constrains nothing': history(
    { p: 0, f: 'write', arg: 1, t: [0, 10] },
    { p: 1, f: 'read', t: [20, 30], end: 'info' },
  ),
};

describe('checker corpus', () => {
  for (const [name, events] of Object.entries(mustReject)) {
    it(`rejects ${name}`, () => {
      const result = checkHistory(events);
      expect(result.verdict).toBe('illegal');
      const bad = result.keys.filter((k) => k.verdict === 'illegal');
      expect(bad.length).toBeGreaterThan(0);
      for (const k of bad) expect(k.violation).toBeDefined();
    });
  }
  for (const [name, events] of Object.entries(mustAccept)) {
    it(`accepts ${name}`, () => {
      const result = checkHistory(events);
      expect(result.verdict).toBe('ok');
      for (const k of result.keys) expect(k.violation).toBeUndefined();
    });
  }

  it('names the longest prefix and the operation that cannot be placed', () => {
    const result = checkHistory(mustReject['stale read after a completed write'] as HistoryEvent[]);
    const k = result.keys[0];
    expect(k?.violation?.longestPrefix).toEqual([0, 1]);
    expect(k?.violation?.unplaceable).toMatchObject({ id: 2, f: 'read', result: 1 });
    expect(k?.violation?.stateAfterPrefix).toBe(2);
  });

  it('reports only the violating key as illegal', () => {
    const result = checkHistory(mustReject['a violation on one key among passing ones'] as HistoryEvent[]);
    expect(result.keys.map((k) => [k.key, k.verdict])).toEqual([
      ['a', 'ok'],
      ['b', 'illegal'],
    ]);
  });

  it('reports unknown, not ok or illegal, when the step budget runs out', () => {
    const events = mustReject['two readers seeing two writes in opposite orders'] as HistoryEvent[];
    const result = checkHistory(events, { stepLimit: 3 });
    expect(result.verdict).toBe('unknown');
    expect(result.keys[0]).toMatchObject({ verdict: 'unknown', exhausted: 'steps' });
    expect(checkHistory(events).verdict).toBe('illegal');
  });

  it('reports unknown when the time budget is already spent', () => {
    const result = checkHistory(mustAccept['a verified lost CAS'] as HistoryEvent[], { timeLimitMs: -1 });
    expect(result.keys[0]).toMatchObject({ verdict: 'unknown', exhausted: 'time' });
  });

  it('keeps illegal over unknown for the overall verdict', () => {
    const events = [
      ...(mustReject['stale read after a completed write'] as HistoryEvent[]),
      ...history(
        { p: 5, f: 'write', arg: 1, t: [0, 100], key: 'z' },
        { p: 6, f: 'write', arg: 2, t: [0, 100], key: 'z' },
        { p: 7, f: 'read', res: 2, t: [10, 20], key: 'z' },
        { p: 7, f: 'read', res: 1, t: [30, 40], key: 'z' },
        { p: 8, f: 'read', res: 2, t: [50, 60], key: 'z' },
      ),
    ];
    const result = checkHistory(events, { stepLimit: 6 });
    expect(result.keys.map((k) => k.verdict)).toEqual(['illegal', 'unknown']);
    expect(result.verdict).toBe('illegal');
  });
});
