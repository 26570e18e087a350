import { seededRandom } from '../history/simulate.js';
import { ConfigCache } from './cache.js';
import {
  CAS_LOST,
  type CompiledKey,
  CREATE_LOST,
  DELETE_ABSENT,
  ILLEGAL,
  READ,
  type State,
  step,
} from './model.js';

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
  const bits = new Uint32Array((n + 31) >>> 5);
  const zobrist = new Int32Array(n);
  const rnd = seededRandom(0x5eed);
  for (let i = 0; i < n; i++) zobrist[i] = Math.floor(rnd() * 0x1_0000_0000) | 0;
  let hash = 0;
  const cache = new ConfigCache(bits.length);
  const flip = (i: number): void => {
    bits[i >>> 5] = (bits[i >>> 5] as number) ^ (1 << (i & 31));
    hash ^= zobrist[i] as number;
  };

  // Definite operations that never change the state when legal (reads, lost comparisons, deletes of nothing).
  const observer = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = key.code[i];
    observer[i] = c === READ || c === CAS_LOST || c === CREATE_LOST || c === DELETE_ABSENT ? 1 : 0;
  }

  const stackOp = new Int32Array(n);
  const stackState = new Int32Array(n);
  // 1 when the operation was placed as the only move worth trying from the configuration below it.
  const stackForced = new Uint8Array(n);
  let depth = 0;
  let state: State = 0;
  let steps = 0;
  let bestDepth = -1;
  let best: Pick<SearchOutcome, 'prefix' | 'unplaceable' | 'stateAfterPrefix'> = {};
  let entry = next[0] as number;
  // True right after entering a configuration, before any candidate of it was tried.
  let fresh = true;

  const place = (i: number, s: State, forced: boolean): void => {
    stackOp[depth] = i;
    stackState[depth] = state;
    stackForced[depth] = forced ? 1 : 0;
    depth++;
    state = s;
    lift(i);
    definiteLeft -= key.definite[i] as number;
    entry = next[0] as number;
    fresh = true;
  };
  /** Undoes placements until one that had alternatives; false when none is left (the history is illegal). */
  const backtrack = (): boolean => {
    for (;;) {
      if (depth === 0) return false;
      depth--;
      const i = stackOp[depth] as number;
      state = stackState[depth] as number;
      flip(i);
      unlift(i);
      definiteLeft += key.definite[i] as number;
      if (stackForced[depth] === 0) {
        entry = next[callEntry[i] as number] as number;
        fresh = false;
        return true;
      }
    }
  };

  for (;;) {
    if (++steps > budget.stepLimit) return { verdict: 'unknown', steps: steps - 1, exhausted: 'steps' };
    if ((steps & 1023) === 0 && performance.now() > budget.deadline) {
      return { verdict: 'unknown', steps, exhausted: 'time' };
    }
    if (fresh) {
      fresh = false;
      // An observer that is legal now can always go first: it changes nothing, and no pending operation had to
      // precede it (it is before every pending completion). So it is the only move to try here, which collapses
      // the orderings of concurrent reads that would otherwise multiply the search.
      let obs = -1;
      for (let e = next[0] as number; e !== tail && entryIsCall[e] === 1; e = next[e] as number) {
        const i = entryOp[e] as number;
        if (observer[i] === 1 && step(key, i, state) === state) {
          obs = i;
          break;
        }
      }
      if (obs >= 0) {
        flip(obs);
        if (!cache.visit(hash, state, bits)) {
          place(obs, state, true);
          if (definiteLeft === 0) return { verdict: 'ok', steps };
          continue;
        }
        // Seen before, so this configuration leads nowhere either.
        flip(obs);
        if (!backtrack()) return { verdict: 'illegal', steps, ...best };
        continue;
      }
    }
    if (entry !== tail && entryIsCall[entry] === 1) {
      const i = entryOp[entry] as number;
      const s = step(key, i, state);
      // An operation of unknown outcome that would change nothing now is the same as it never happening.
      if (s !== ILLEGAL && !(key.definite[i] === 0 && s === state)) {
        flip(i);
        if (!cache.visit(hash, s, bits)) {
          place(i, s, false);
          if (definiteLeft === 0) return { verdict: 'ok', steps };
          continue;
        }
        flip(i);
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
    if (!backtrack()) return { verdict: 'illegal', steps, ...best };
  }
}
