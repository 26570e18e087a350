import { seededRandom } from '../history/simulate.js';
import { type CompiledKey, ILLEGAL, type State, step } from './model.js';

/** What the search found for one key. */
export interface SearchOutcome {
  readonly verdict: 'ok' | 'illegal' | 'unknown';
  readonly steps: number;
  /** For `unknown`: which budget ran out. */
  readonly exhausted?: 'steps' | 'time';
  /** For `illegal`: the longest linearizable prefix the search got stuck after (indexes into `key.ops`). */
  readonly prefix?: number[];
  /** For `illegal`: the operation whose completion came before it could be placed after that prefix. */
  readonly unplaceable?: number;
  /** For `illegal`: the model state after the prefix. */
  readonly stateAfterPrefix?: State;
}

/** Limits of one search; checked every 1024 steps so the clock costs nothing measurable. */
export interface SearchBudget {
  readonly stepLimit: number;
  /** Absolute `performance.now()` time at which the search gives up. */
  readonly deadline: number;
}

interface CacheEntry {
  readonly bits: Uint32Array;
  readonly state: State;
  readonly next: CacheEntry | undefined;
}

/**
 * Wing & Gong's search with Lowe's just-in-time linearization, over one key.
 *
 * Invocations and completions form one time-ordered doubly linked list. The search walks it from the front,
 * trying to linearize each invoked-but-not-yet-linearized operation now; a success removes ("lifts") the operation
 * and restarts from the front, and reaching a completion whose operation is still unplaced means the current
 * partial linearization is a dead end, so the last choice is undone. A cache of (linearized set, state) pairs
 * keeps it from exploring the same configuration twice, which is what makes it polynomial on typical histories.
 *
 * Operations of unknown outcome have no completion in the list: nothing forces them, and the search is done once
 * every definite operation is placed (placing the rest at the very end is always legal, which is the same as
 * them never taking effect).
 *
 * Ties: a completion and an invocation at the same time count as concurrent (invocations sort first), the
 * lenient reading, since clocks this coarse cannot order them.
 */
export function searchKey(key: CompiledKey, budget: SearchBudget): SearchOutcome {
  const n = key.ops.length;
  let definiteLeft = 0;
  for (let i = 0; i < n; i++) definiteLeft += key.definite[i] as number;
  if (definiteLeft === 0) return { verdict: 'ok', steps: 0 };

  // Entries 1..m in time order; 0 is the head sentinel and m + 1 the tail sentinel.
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    order.push(i * 2);
    if (key.definite[i] === 1) order.push(i * 2 + 1);
  }
  const timeOf = (e: number): number => {
    const op = key.ops[e >> 1];
    return (e & 1) === 0 ? (op?.invokeTime ?? 0) : (op?.completeTime ?? 0);
  };
  order.sort((x, y) => timeOf(x) - timeOf(y) || (x & 1) - (y & 1) || x - y);
  const m = order.length;
  const tail = m + 1;
  const next = new Int32Array(m + 2);
  const prev = new Int32Array(m + 2);
  const entryOp = new Int32Array(m + 2);
  const entryIsCall = new Uint8Array(m + 2);
  const callEntry = new Int32Array(n);
  const returnEntry = new Int32Array(n).fill(-1);
  for (let k = 0; k < m; k++) {
    const e = order[k] as number;
    const slot = k + 1;
    entryOp[slot] = e >> 1;
    entryIsCall[slot] = (e & 1) === 0 ? 1 : 0;
    if ((e & 1) === 0) callEntry[e >> 1] = slot;
    else returnEntry[e >> 1] = slot;
  }
  for (let s = 0; s <= tail; s++) {
    next[s] = s + 1;
    prev[s] = s - 1;
  }

  const lift = (i: number): void => {
    const c = callEntry[i] as number;
    next[prev[c] as number] = next[c] as number;
    prev[next[c] as number] = prev[c] as number;
    const r = returnEntry[i] as number;
    if (r >= 0) {
      next[prev[r] as number] = next[r] as number;
      prev[next[r] as number] = prev[r] as number;
    }
  };
  const unlift = (i: number): void => {
    const r = returnEntry[i] as number;
    if (r >= 0) {
      next[prev[r] as number] = r;
      prev[next[r] as number] = r;
    }
    const c = callEntry[i] as number;
    next[prev[c] as number] = c;
    prev[next[c] as number] = c;
  };

  // The linearized set as a bitset, hashed incrementally (Zobrist) so a cache probe costs O(1) until a hit.
  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const zobrist = new Int32Array(n);
  const rnd = seededRandom(0x5eed);
  for (let i = 0; i < n; i++) zobrist[i] = Math.floor(rnd() * 0x1_0000_0000) | 0;
  let hash = 0;
  const cache = new Map<number, CacheEntry>();
  const seen = (s: State): boolean => {
    const h = (hash ^ Math.imul(s + 1, 0x9e3779b1)) | 0;
    const head = cache.get(h);
    for (let c = head; c !== undefined; c = c.next) {
      if (c.state !== s) continue;
      let same = true;
      for (let w = 0; w < words; w++) {
        if (c.bits[w] !== bits[w]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    cache.set(h, { bits: bits.slice(), state: s, next: head });
    return false;
  };

  const stackOp = new Int32Array(n);
  const stackState = new Int32Array(n);
  let depth = 0;
  let state: State = 0;
  let steps = 0;
  let bestDepth = -1;
  let best: Pick<SearchOutcome, 'prefix' | 'unplaceable' | 'stateAfterPrefix'> = {};
  let entry = next[0] as number;

  for (;;) {
    if (++steps > budget.stepLimit) return { verdict: 'unknown', steps: steps - 1, exhausted: 'steps' };
    if ((steps & 1023) === 0 && performance.now() > budget.deadline) {
      return { verdict: 'unknown', steps, exhausted: 'time' };
    }
    if (entry !== tail && entryIsCall[entry] === 1) {
      const i = entryOp[entry] as number;
      const s = step(key, i, state);
      if (s !== ILLEGAL) {
        bits[i >>> 5] = (bits[i >>> 5] as number) | (1 << (i & 31));
        hash ^= zobrist[i] as number;
        if (!seen(s)) {
          stackOp[depth] = i;
          stackState[depth] = state;
          depth++;
          state = s;
          lift(i);
          definiteLeft -= key.definite[i] as number;
          if (definiteLeft === 0) return { verdict: 'ok', steps };
          entry = next[0] as number;
          continue;
        }
        bits[i >>> 5] = (bits[i >>> 5] as number) & ~(1 << (i & 31));
        hash ^= zobrist[i] as number;
      }
      entry = next[entry] as number;
      continue;
    }
    // A completion of an unplaced operation (or the end of the list): this partial linearization is a dead end.
    if (depth > bestDepth) {
      bestDepth = depth;
      best = { prefix: Array.from(stackOp.subarray(0, depth)), stateAfterPrefix: state };
      if (entry !== tail) best = { ...best, unplaceable: entryOp[entry] as number };
    }
    if (depth === 0) return { verdict: 'illegal', steps, ...best };
    depth--;
    const i = stackOp[depth] as number;
    state = stackState[depth] as number;
    bits[i >>> 5] = (bits[i >>> 5] as number) & ~(1 << (i & 31));
    hash ^= zobrist[i] as number;
    unlift(i);
    definiteLeft += key.definite[i] as number;
    entry = next[callEntry[i] as number] as number;
  }
}
