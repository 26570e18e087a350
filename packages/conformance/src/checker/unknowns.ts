import type { CompiledKey } from './model.js';

/**
 * The unknown-outcome operations of one key not yet placed, grouped by effect (same opcode and operands, e.g. all
 * deletes, or all writes of unobserved values). Operations of one group are interchangeable once invoked, since
 * none has a deadline, so the search only ever tries the earliest-invoked pending one of each group: that makes
 * trying the unknowns cost O(groups) per configuration instead of O(pending unknowns), which matters when
 * hundreds of timed-out operations stay pending to the end of a long history.
 */
export class UnknownPool {
  /** Number of effect groups. */
  readonly groups: number;
  /** Group of each operation; -1 for definite operations. */
  readonly groupOf: Int32Array;
  /** Invocation time of each operation. */
  readonly invokeTime: Float64Array;
  private readonly head: Int32Array;
  private readonly after: Int32Array;

  constructor(key: CompiledKey) {
    const n = key.ops.length;
    this.groupOf = new Int32Array(n).fill(-1);
    this.invokeTime = new Float64Array(n);
    this.after = new Int32Array(n).fill(-1);
    const ids = new Map<string, number>();
    const members: number[][] = [];
    for (let i = 0; i < n; i++) {
      this.invokeTime[i] = key.ops[i]?.invokeTime ?? 0;
      if (key.definite[i] === 1) continue;
      const sig = `${key.code[i]},${key.a[i]},${key.b[i]}`;
      let g = ids.get(sig);
      if (g === undefined) {
        g = members.length;
        ids.set(sig, g);
        members.push([]);
      }
      this.groupOf[i] = g;
      members[g]?.push(i);
    }
    this.groups = members.length;
    this.head = new Int32Array(this.groups).fill(-1);
    members.forEach((list, g) => {
      list.sort((x, y) => (this.invokeTime[x] as number) - (this.invokeTime[y] as number) || x - y);
      this.head[g] = list[0] ?? -1;
      for (let k = 0; k + 1 < list.length; k++) this.after[list[k] as number] = list[k + 1] as number;
    });
  }

  /** The earliest-invoked pending operation of group g, or -1. */
  first(g: number): number {
    return this.head[g] as number;
  }

  /** Marks operation i (the first of its group) as placed. */
  take(i: number): void {
    this.head[this.groupOf[i] as number] = this.after[i] as number;
  }

  /** Undoes the most recent {@link take} of i's group. */
  giveBack(i: number): void {
    this.head[this.groupOf[i] as number] = i;
  }
}
