import type { CompiledKey } from './model.js';

/**
 * The history of one key as a time-ordered doubly linked list of invocation and completion entries, in typed
 * arrays. Placing an operation lifts both its entries out in O(1); undoing it puts them back in O(1) (dancing
 * links), which is all the search needs to walk "what may go next" without copying.
 *
 * Only definite operations are in the list: unknown-outcome ones have no deadline and are kept in an
 * UnknownPool instead, so they never lengthen the walk.
 * Ties: an invocation sorts before a completion at the same time, so touching operations count as concurrent,
 * the lenient reading, since a clock this coarse cannot order them.
 */
export class Timeline {
  /** Head sentinel; `next[HEAD]` is the first entry still in the list. */
  static readonly HEAD = 0;
  /** Tail sentinel. */
  readonly tail: number;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Operation of each entry. */
  readonly op: Int32Array;
  /** 1 for an invocation entry, 0 for a completion entry (and the sentinels). */
  readonly isCall: Uint8Array;
  /** Invocation entry of each definite operation. */
  readonly callEntry: Int32Array;
  /** Completion entry of each definite operation, or -1. */
  readonly returnEntry: Int32Array;

  constructor(key: CompiledKey) {
    const n = key.ops.length;
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      if (key.definite[i] === 1) order.push(i * 2, i * 2 + 1);
    }
    const timeOf = (e: number): number => {
      const op = key.ops[e >> 1];
      return (e & 1) === 0 ? (op?.invokeTime ?? 0) : (op?.completeTime ?? 0);
    };
    order.sort((x, y) => timeOf(x) - timeOf(y) || (x & 1) - (y & 1) || x - y);
    const m = order.length;
    this.tail = m + 1;
    this.next = new Int32Array(m + 2);
    this.prev = new Int32Array(m + 2);
    this.op = new Int32Array(m + 2);
    this.isCall = new Uint8Array(m + 2);
    this.callEntry = new Int32Array(n);
    this.returnEntry = new Int32Array(n).fill(-1);
    for (let k = 0; k < m; k++) {
      const e = order[k] as number;
      const slot = k + 1;
      this.op[slot] = e >> 1;
      if ((e & 1) === 0) {
        this.isCall[slot] = 1;
        this.callEntry[e >> 1] = slot;
      } else {
        this.returnEntry[e >> 1] = slot;
      }
    }
    for (let s = 0; s <= this.tail; s++) {
      this.next[s] = s + 1;
      this.prev[s] = s - 1;
    }
  }

  /** Takes operation i's entries out of the list. */
  lift(i: number): void {
    this.unlink(this.callEntry[i] as number);
    const r = this.returnEntry[i] as number;
    if (r >= 0) this.unlink(r);
  }

  /** Puts operation i's entries back; must undo the most recent {@link lift} still in effect. */
  unlift(i: number): void {
    const r = this.returnEntry[i] as number;
    if (r >= 0) this.relink(r);
    this.relink(this.callEntry[i] as number);
  }

  private unlink(e: number): void {
    const p = this.prev[e] as number;
    const nx = this.next[e] as number;
    this.next[p] = nx;
    this.prev[nx] = p;
  }

  private relink(e: number): void {
    this.next[this.prev[e] as number] = e;
    this.prev[this.next[e] as number] = e;
  }
}
