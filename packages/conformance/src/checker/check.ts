import { type Operation, pairOperations } from '../history/operations.js';
import type { HistoryEvent, Value } from '../history/schema.js';
import { compileKey, replay } from './model.js';
import { searchKey } from './search.js';

/** `ok`: linearizable. `illegal`: provably not. `unknown`: the budget ran out first. */
export type Verdict = 'ok' | 'illegal' | 'unknown';

/** Limits of {@link checkHistory}. */
export interface CheckOptions {
  /** Wall-clock budget for the whole history, in milliseconds; keys not finished by then are `unknown`. @default 60000 */
  readonly timeLimitMs?: number;
  /** Search steps allowed per key; a key that needs more is `unknown`. @default Infinity */
  readonly stepLimit?: number;
}

/** Why a key is not linearizable: how far the search got, and what it could not place next. */
export interface Violation {
  /** Ids (see {@link Operation.id}) of the longest linearizable prefix found, in linearization order. */
  readonly longestPrefix: readonly number[];
  /** The operation whose completion came before it could be linearized after that prefix. */
  readonly unplaceable: Operation;
  /** The register after the prefix (`null` = absent), which `unplaceable` contradicts. */
  readonly stateAfterPrefix: Value;
}

/** The verdict for one key. */
export interface KeyResult {
  readonly key: string;
  readonly verdict: Verdict;
  /** Operations on the key in the history, including ones that surely did not happen. */
  readonly ops: number;
  /** Operations the search had to place (failed operations and unknown reads constrain nothing). */
  readonly checkedOps: number;
  readonly steps: number;
  readonly elapsedMs: number;
  /** For `unknown`: which budget ran out. */
  readonly exhausted?: 'steps' | 'time';
  /** Present when the verdict is `illegal`. */
  readonly violation?: Violation;
}

/** The verdict for a whole history: `illegal` if any key is, else `unknown` if any key is, else `ok`. */
export interface CheckResult {
  readonly verdict: Verdict;
  /** One result per key, in order of the key's first appearance in the history. */
  readonly keys: readonly KeyResult[];
  readonly ops: number;
  readonly steps: number;
  readonly elapsedMs: number;
}

/**
 * Checks that a history of the per-key register is linearizable. Keys are independent (linearizability is
 * compositional), so each is searched alone. Throws HistoryFormatError if the events do not pair up.
 *
 * @example
 * const result = checkHistory(parseHistory(text), { timeLimitMs: 10_000 });
 * if (result.verdict === 'illegal') console.log(result.keys.filter((k) => k.verdict === 'illegal'));
 */
export function checkHistory(events: readonly HistoryEvent[], options: CheckOptions = {}): CheckResult {
  return checkOperations(pairOperations(events), options);
}

/** {@link checkHistory} over operations already paired by `pairOperations`. */
export function checkOperations(ops: readonly Operation[], options: CheckOptions = {}): CheckResult {
  const start = performance.now();
  const deadline = start + (options.timeLimitMs ?? 60_000);
  const stepLimit = options.stepLimit ?? Number.POSITIVE_INFINITY;
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    const list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, [op]);
    else list.push(op);
  }
  // Small keys first, so one pathological key cannot starve the rest of the time budget.
  const keys = [...byKey.keys()];
  const bySize = [...keys].sort((x, y) => (byKey.get(x)?.length ?? 0) - (byKey.get(y)?.length ?? 0));
  const results = new Map<string, KeyResult>();
  for (const key of bySize) {
    results.set(key, checkKey(key, byKey.get(key) ?? [], stepLimit, deadline));
  }
  const ordered = keys.map((k) => results.get(k) as KeyResult);
  let steps = 0;
  for (const r of ordered) steps += r.steps;
  const verdict: Verdict = ordered.some((r) => r.verdict === 'illegal')
    ? 'illegal'
    : ordered.some((r) => r.verdict === 'unknown')
      ? 'unknown'
      : 'ok';
  return { verdict, keys: ordered, ops: ops.length, steps, elapsedMs: performance.now() - start };
}

function checkKey(key: string, ops: Operation[], stepLimit: number, deadline: number): KeyResult {
  const start = performance.now();
  const compiled = compileKey(ops);
  const base = { key, ops: ops.length, checkedOps: compiled.ops.length };
  if (start > deadline) return { ...base, verdict: 'unknown', steps: 0, elapsedMs: 0, exhausted: 'time' };
  const out = searchKey(compiled, { stepLimit, deadline });
  const elapsedMs = performance.now() - start;
  const result: KeyResult = { ...base, verdict: out.verdict, steps: out.steps, elapsedMs };
  if (out.exhausted !== undefined) return { ...result, exhausted: out.exhausted };
  if (out.verdict !== 'illegal') return result;
  const prefix = out.prefix ?? [];
  // The search always gets stuck at a completion before giving up, so `unplaceable` is set; fall back defensively.
  const stuck = compiled.ops[out.unplaceable ?? prefix.length] ?? (compiled.ops[0] as Operation);
  const sequence = prefix.map((i) => compiled.ops[i] as Operation);
  const violation: Violation = {
    longestPrefix: sequence.map((op) => op.id),
    unplaceable: stuck,
    stateAfterPrefix: replay(sequence),
  };
  return { ...result, violation };
}
