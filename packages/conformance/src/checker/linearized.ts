import { seededRandom } from '../history/simulate.js';

/**
 * The set of operations placed so far, with a cache key whose size follows the search's frontier, not the
 * history: operations are placed roughly in invocation order, so every definite operation below `low` is placed
 * and only the words from `low` to the highest placed one need storing. Over a 10k-operation key that turns a
 * 1.2 KB key per configuration into a few words. Unknown-outcome operations are a separate bitset (`u`), since
 * they may stay unplaced for ever and would pin `low`.
 *
 * Changes must be undone in reverse order (the search is depth-first), which lets `high` be restored from a
 * stack.
 */
export class LinearizedSet {
  /** Zobrist hash of the definite part. */
  dHash = 0;
  /** Zobrist hash of the unknown part. */
  uHash = 0;
  /** Unknown-outcome operations placed, by dense unknown index. */
  readonly u: Uint32Array;
  private readonly d: Uint32Array;
  private readonly definite: Uint8Array;
  private readonly unknownIndex: Int32Array;
  private readonly zobrist: Int32Array;
  private readonly highs: Int32Array;
  private depth = 0;
  private low = 0;
  private high = -1;
  private readonly n: number;

  constructor(definite: Uint8Array) {
    const n = definite.length;
    this.n = n;
    this.definite = definite;
    this.unknownIndex = new Int32Array(n).fill(-1);
    let unknowns = 0;
    for (let i = 0; i < n; i++) if (definite[i] === 0) this.unknownIndex[i] = unknowns++;
    this.d = new Uint32Array((n + 31) >>> 5);
    this.u = new Uint32Array((unknowns + 31) >>> 5);
    this.zobrist = new Int32Array(n);
    const rnd = seededRandom(0x5eed);
    for (let i = 0; i < n; i++) this.zobrist[i] = Math.floor(rnd() * 0x1_0000_0000) | 0;
    this.highs = new Int32Array(n + 1);
    this.skipPlaced();
  }

  /** Words a definite key can take at most (see {@link definiteKey}). */
  get maxDefiniteKey(): number {
    return this.d.length + 1;
  }

  add(i: number): void {
    const z = this.zobrist[i] as number;
    const ui = this.unknownIndex[i] as number;
    if (ui >= 0) {
      this.u[ui >>> 5] = (this.u[ui >>> 5] as number) | (1 << (ui & 31));
      this.uHash ^= z;
      return;
    }
    this.d[i >>> 5] = (this.d[i >>> 5] as number) | (1 << (i & 31));
    this.dHash ^= z;
    this.highs[this.depth++] = this.high;
    if (i > this.high) this.high = i;
    if (i === this.low) this.skipPlaced();
  }

  remove(i: number): void {
    const z = this.zobrist[i] as number;
    const ui = this.unknownIndex[i] as number;
    if (ui >= 0) {
      this.u[ui >>> 5] = (this.u[ui >>> 5] as number) & ~(1 << (ui & 31));
      this.uHash ^= z;
      return;
    }
    this.d[i >>> 5] = (this.d[i >>> 5] as number) & ~(1 << (i & 31));
    this.dHash ^= z;
    this.high = this.highs[--this.depth] as number;
    if (i < this.low) this.low = i;
  }

  /**
   * Writes the definite part's key into `out`: `low`, then the bitset words from `low`'s word through the highest
   * placed operation's. Two sets are equal exactly when their keys are. Returns the length.
   */
  definiteKey(out: Uint32Array): number {
    out[0] = this.low;
    let len = 1;
    if (this.high < this.low) return len;
    const last = this.high >>> 5;
    for (let w = this.low >>> 5; w <= last; w++) out[len++] = this.d[w] as number;
    return len;
  }

  /** Moves `low` past placed definite operations and unknown ones (which the definite part does not hold). */
  private skipPlaced(): void {
    let l = this.low;
    while (l < this.n && (this.definite[l] === 0 || ((this.d[l >>> 5] as number) & (1 << (l & 31))) !== 0))
      l++;
    this.low = l;
  }
}
