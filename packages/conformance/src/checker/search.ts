import { ConfigCache, FailedConfigs } from './cache.js';
import { LinearizedSet } from './linearized.js';
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
import { Timeline } from './timeline.js';
import { UnknownPool } from './unknowns.js';

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
 * The search walks the {@link Timeline} (definite operations only) from the front, trying to linearize each
 * invoked-but-unplaced operation now; a success lifts the operation out and restarts from the front. Reaching a
 * completion whose operation is still unplaced, after also trying the unknown-outcome operations invoked before
 * it (from the {@link UnknownPool}), means the partial linearization is a dead end, so the last choice is undone.
 * A cache of (linearized set, state) keeps it from entering the same configuration twice.
 *
 * Four prunings keep histories with many concurrent reads and unknown outcomes tractable:
 * - a definite observer (read, lost cas/create, delete of nothing) that is legal now is the only move tried;
 * - an unknown-outcome operation that would change nothing now is not tried (that is the same as never);
 * - of interchangeable unknown operations (same effect, all invoked) only the earliest is tried;
 * - definite moves are tried before unknown ones, and a configuration is skipped when one with the same definite
 *   set and state but fewer unknown operations applied already failed (it could only do less).
 *
 * The search is done once every definite operation is placed: the unknown ones left may never take effect.
 */
export function searchKey(key: CompiledKey, budget: SearchBudget): SearchOutcome {
  const n = key.ops.length;
  let definiteLeft = 0;
  for (let i = 0; i < n; i++) definiteLeft += key.definite[i] as number;
  if (definiteLeft === 0) return { verdict: 'ok', steps: 0 };

  const line = new Timeline(key);
  const { next, tail } = line;
  const entryOp = line.op;
  const entryIsCall = line.isCall;
  const definite = key.definite;

  // Definite operations that never change the state when legal.
  const observer = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = key.code[i];
    observer[i] = c === READ || c === CAS_LOST || c === CREATE_LOST || c === DELETE_ABSENT ? 1 : 0;
  }

  const placed = new LinearizedSet(definite);
  const dKey = new Uint32Array(placed.maxDefiniteKey);
  const cache = new ConfigCache(placed.u);
  const failed = placed.u.length > 0 ? new FailedConfigs(placed.u) : undefined;
  /** Adds operation i and reports whether the configuration it leads to (state s) is worth entering. */
  const enter = (i: number, s: State): boolean => {
    placed.add(i);
    const len = placed.definiteKey(dKey);
    if (
      failed?.dominates(placed.dHash, s, dKey, len) !== true &&
      !cache.visit(placed.dHash ^ placed.uHash, s, dKey, len)
    ) {
      return true;
    }
    placed.remove(i);
    return false;
  };

  const pool = new UnknownPool(key);
  const groupOf = pool.groupOf;

  const stackOp = new Int32Array(n);
  const stackState = new Int32Array(n);
  // 1 when the operation was the only move worth trying from the configuration below it.
  const stackForced = new Uint8Array(n);
  let depth = 0;
  let state: State = 0;
  let steps = 0;
  let bestDepth = -1;
  let best: Pick<SearchOutcome, 'prefix' | 'unplaceable' | 'stateAfterPrefix'> = {};
  let entry = next[Timeline.HEAD] as number;
  // True right after entering a configuration, before any of its moves was tried.
  let fresh = true;
  // 1 while trying definite moves along the timeline, 0 while trying unknown ones group by group.
  let pass = 1;
  let group = 0;
  // The first pending completion (where the definite pass stopped): no later-invoked operation may go next.
  let stuckAt = tail;
  let limit = Number.POSITIVE_INFINITY;
  const completionTime = (e: number): number =>
    e === tail
      ? Number.POSITIVE_INFINITY
      : (key.ops[entryOp[e] as number]?.completeTime ?? Number.POSITIVE_INFINITY);

  const place = (i: number, s: State, forced: boolean): void => {
    stackOp[depth] = i;
    stackState[depth] = state;
    stackForced[depth] = forced ? 1 : 0;
    depth++;
    state = s;
    if (definite[i] === 1) line.lift(i);
    else pool.take(i);
    definiteLeft -= definite[i] as number;
    entry = next[Timeline.HEAD] as number;
    fresh = true;
  };
  /** Abandons configurations until one with moves left to try; false when none is left (illegal). */
  const backtrack = (): boolean => {
    for (;;) {
      if (depth === 0) return false;
      if (failed !== undefined) failed.add(placed.dHash, state, dKey, placed.definiteKey(dKey));
      depth--;
      const i = stackOp[depth] as number;
      state = stackState[depth] as number;
      placed.remove(i);
      if (definite[i] === 1) line.unlift(i);
      else pool.giveBack(i);
      definiteLeft += definite[i] as number;
      if (stackForced[depth] === 1) continue;
      fresh = false;
      if (definite[i] === 1) {
        pass = 1;
        entry = next[line.callEntry[i] as number] as number;
      } else {
        // Unknown moves come after every definite one, so this configuration's definite pass is over.
        pass = 0;
        group = (groupOf[i] as number) + 1;
        let e = next[Timeline.HEAD] as number;
        while (e !== tail && entryIsCall[e] === 1) e = next[e] as number;
        stuckAt = e;
        limit = completionTime(e);
      }
      return true;
    }
  };

  for (;;) {
    if (++steps > budget.stepLimit) return { verdict: 'unknown', steps: steps - 1, exhausted: 'steps' };
    if ((steps & 1023) === 0 && performance.now() > budget.deadline) {
      return { verdict: 'unknown', steps, exhausted: 'time' };
    }
    if (fresh) {
      fresh = false;
      pass = 1;
      // A legal observer can always go first: it changes nothing, and no pending operation had to precede it (it
      // is before every pending completion). So it is the only move to try, which collapses the orderings of
      // concurrent reads that would otherwise multiply the search.
      let obs = -1;
      for (let e = next[Timeline.HEAD] as number; e !== tail && entryIsCall[e] === 1; e = next[e] as number) {
        const i = entryOp[e] as number;
        if (observer[i] === 1 && step(key, i, state) === state) {
          obs = i;
          break;
        }
      }
      if (obs >= 0) {
        if (enter(obs, state)) {
          place(obs, state, true);
          if (definiteLeft === 0) return { verdict: 'ok', steps };
        } else if (!backtrack()) {
          return { verdict: 'illegal', steps, ...best };
        }
        continue;
      }
    }
    if (pass === 1) {
      if (entry !== tail && entryIsCall[entry] === 1) {
        const i = entryOp[entry] as number;
        entry = next[entry] as number;
        const s = step(key, i, state);
        if (s === ILLEGAL || !enter(i, s)) continue;
        place(i, s, false);
        if (definiteLeft === 0) return { verdict: 'ok', steps };
        continue;
      }
      pass = 0;
      group = 0;
      stuckAt = entry;
      limit = completionTime(entry);
    }
    if (group < pool.groups) {
      const i = pool.first(group++);
      if (i < 0 || (pool.invokeTime[i] as number) > limit) continue;
      const s = step(key, i, state);
      // An unknown-outcome operation that would change nothing now is the same as it never happening.
      if (s === state || !enter(i, s)) continue;
      place(i, s, false);
      continue;
    }
    // A completion of an unplaced operation (or the end of the list): this partial linearization is a dead end.
    if (depth > bestDepth) {
      bestDepth = depth;
      best = { prefix: Array.from(stackOp.subarray(0, depth)), stateAfterPrefix: state };
      if (stuckAt !== tail) best = { ...best, unplaceable: entryOp[stuckAt] as number };
    }
    if (!backtrack()) return { verdict: 'illegal', steps, ...best };
  }
}
