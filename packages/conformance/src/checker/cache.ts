/**
 * The set of configurations (linearized set, state) the search has already entered. Kept in flat typed arrays
 * with open addressing, not a Map of objects: an illegal history can need millions of entries, and per-entry
 * objects would spend most of the time in the garbage collector.
 */
export class ConfigCache {
  private readonly words: number;
  /** Open-addressing table: entry index + 1, or 0 for an empty slot. */
  private table = new Int32Array(1024);
  private hashes = new Int32Array(256);
  private states = new Int32Array(256);
  private pool: Uint32Array;
  private count = 0;

  /** @param words length of the bitsets, in 32-bit words */
  constructor(words: number) {
    this.words = words;
    this.pool = new Uint32Array(256 * words);
  }

  /** Number of configurations recorded. */
  get size(): number {
    return this.count;
  }

  /**
   * Records the configuration and returns false if it is new; returns true (and records nothing) if it was seen.
   * @param setHash a hash of `bits` (the search keeps one incrementally)
   */
  visit(setHash: number, state: number, bits: Uint32Array): boolean {
    const h = (setHash ^ Math.imul(state + 1, 0x9e3779b1)) | 0;
    const words = this.words;
    const mask = this.table.length - 1;
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const e = this.table[slot] as number;
      if (e === 0) break;
      const idx = e - 1;
      if (this.hashes[idx] === h && this.states[idx] === state) {
        let same = true;
        const base = idx * words;
        for (let w = 0; w < words; w++) {
          if (this.pool[base + w] !== bits[w]) {
            same = false;
            break;
          }
        }
        if (same) return true;
      }
      slot = (slot + 1) & mask;
    }
    this.add(slot, h, state, bits);
    return false;
  }

  private add(slot: number, h: number, state: number, bits: Uint32Array): void {
    const idx = this.count++;
    if (idx >= this.hashes.length) {
      const grown = this.hashes.length * 2;
      this.hashes = grow(this.hashes, grown);
      this.states = grow(this.states, grown);
      this.pool = growBits(this.pool, grown * this.words);
    }
    this.hashes[idx] = h;
    this.states[idx] = state;
    this.pool.set(bits, idx * this.words);
    this.table[slot] = idx + 1;
    // Keep the table at most half full so probe chains stay short.
    if (this.count * 2 > this.table.length)
      this.table = rehash(this.hashes, this.count, this.table.length * 2);
  }
}

/** A fresh open-addressing table of `size` slots holding entries 0..count-1, placed by their hashes. */
function rehash(hashes: Int32Array, count: number, size: number): Int32Array<ArrayBuffer> {
  const table = new Int32Array(size);
  const mask = size - 1;
  for (let idx = 0; idx < count; idx++) {
    const h = hashes[idx] as number;
    let slot = (h ^ (h >>> 15)) & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = idx + 1;
  }
  return table;
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/**
 * Configurations whose whole subtree failed, for subsumption: with the same definite operations placed and the
 * same state, a configuration that applied a superset of the unknown-outcome operations can do nothing the
 * failed one could not (it could always have skipped them), so it fails too. Only finished subtrees are
 * recorded, never configurations still on the search stack, which keeps the pruning sound.
 */
export class FailedConfigs {
  private readonly dWords: number;
  private readonly uWords: number;
  private table = new Int32Array(1024);
  private hashes = new Int32Array(256);
  private states = new Int32Array(256);
  private dPool: Uint32Array;
  private uPool: Uint32Array;
  private count = 0;

  constructor(dWords: number, uWords: number) {
    this.dWords = dWords;
    this.uWords = uWords;
    this.dPool = new Uint32Array(256 * dWords);
    this.uPool = new Uint32Array(256 * uWords);
  }

  /** Records a configuration whose subtree failed. */
  add(dHash: number, state: number, d: Uint32Array, u: Uint32Array): void {
    const h = (dHash ^ Math.imul(state + 1, 0x9e3779b1)) | 0;
    const idx = this.count++;
    if (idx >= this.hashes.length) {
      const grown = this.hashes.length * 2;
      this.hashes = grow(this.hashes, grown);
      this.states = grow(this.states, grown);
      this.dPool = growBits(this.dPool, grown * this.dWords);
      this.uPool = growBits(this.uPool, grown * this.uWords);
    }
    this.hashes[idx] = h;
    this.states[idx] = state;
    this.dPool.set(d, idx * this.dWords);
    this.uPool.set(u, idx * this.uWords);
    const mask = this.table.length - 1;
    let slot = (h ^ (h >>> 15)) & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = idx + 1;
    if (this.count * 2 > this.table.length)
      this.table = rehash(this.hashes, this.count, this.table.length * 2);
  }

  /** True if a recorded failure has the same definite set and state and a subset of the unknown operations. */
  dominates(dHash: number, state: number, d: Uint32Array, u: Uint32Array): boolean {
    const h = (dHash ^ Math.imul(state + 1, 0x9e3779b1)) | 0;
    const mask = this.table.length - 1;
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const e = this.table[slot] as number;
      if (e === 0) return false;
      const idx = e - 1;
      if (this.hashes[idx] === h && this.states[idx] === state && this.matches(idx, d, u)) return true;
      slot = (slot + 1) & mask;
    }
  }

  private matches(idx: number, d: Uint32Array, u: Uint32Array): boolean {
    const db = idx * this.dWords;
    for (let w = 0; w < this.dWords; w++) if (this.dPool[db + w] !== d[w]) return false;
    const ub = idx * this.uWords;
    for (let w = 0; w < this.uWords; w++)
      if (((this.uPool[ub + w] as number) & ~(u[w] as number)) !== 0) return false;
    return true;
  }
}

function growBits(a: Uint32Array, size: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(size);
  b.set(a);
  return b;
}
