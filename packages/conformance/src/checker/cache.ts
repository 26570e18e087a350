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
      const pool = new Uint32Array(grown * this.words);
      pool.set(this.pool);
      this.pool = pool;
    }
    this.hashes[idx] = h;
    this.states[idx] = state;
    this.pool.set(bits, idx * this.words);
    this.table[slot] = idx + 1;
    // Keep the table at most half full so probe chains stay short.
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
  }

  private rehash(size: number): void {
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let idx = 0; idx < this.count; idx++) {
      const h = this.hashes[idx] as number;
      let slot = (h ^ (h >>> 15)) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = idx + 1;
    }
    this.table = table;
  }
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
