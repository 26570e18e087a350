/*
 * The search's memory of configurations, in flat typed arrays with open addressing rather than Maps of objects:
 * an illegal history can need millions of entries, and per-entry objects would spend the time in the garbage
 * collector. Keys are variable-length word arrays (see LinearizedSet.definiteKey).
 */

/** Variable-length word arrays stored back to back, with per-entry hash and state. */
class EntryStore {
  count = 0;
  table = new Int32Array(1024);
  hashes = new Int32Array(256);
  states = new Int32Array(256);
  offsets = new Int32Array(256);
  lengths = new Int32Array(256);
  pool = new Uint32Array(4096);
  used = 0;

  /** Appends an entry (a + b words) and indexes it under hash h. */
  add(h: number, state: number, a: Uint32Array, aLen: number, b: Uint32Array, bLen: number): void {
    const idx = this.count++;
    if (idx >= this.hashes.length) {
      const size = this.hashes.length * 2;
      this.hashes = grow(this.hashes, size);
      this.states = grow(this.states, size);
      this.offsets = grow(this.offsets, size);
      this.lengths = grow(this.lengths, size);
    }
    while (this.used + aLen + bLen > this.pool.length) {
      const pool = new Uint32Array(this.pool.length * 2);
      pool.set(this.pool);
      this.pool = pool;
    }
    this.hashes[idx] = h;
    this.states[idx] = state;
    this.offsets[idx] = this.used;
    this.lengths[idx] = aLen;
    this.pool.set(a.subarray(0, aLen), this.used);
    this.pool.set(b.subarray(0, bLen), this.used + aLen);
    this.used += aLen + bLen;
    const mask = this.table.length - 1;
    let slot = (h ^ (h >>> 15)) & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = idx + 1;
    // Keep the table at most half full so probe chains stay short.
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
  }

  /** True if entry idx's first part equals `a`. */
  sameFirst(idx: number, a: Uint32Array, aLen: number): boolean {
    if (this.lengths[idx] !== aLen) return false;
    const base = this.offsets[idx] as number;
    for (let w = 0; w < aLen; w++) if (this.pool[base + w] !== a[w]) return false;
    return true;
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

const mix = (hash: number, state: number): number => (hash ^ Math.imul(state + 1, 0x9e3779b1)) | 0;

/** The configurations (linearized set, state) the search has already entered. */
export class ConfigCache {
  private readonly store = new EntryStore();
  private readonly u: Uint32Array;
  private readonly uLen: number;

  /** @param u the unknown-operation bitset, read at every call (part of each configuration's identity) */
  constructor(u: Uint32Array) {
    this.u = u;
    this.uLen = u.length;
  }

  /** Records the configuration and returns false if it is new; returns true (and records nothing) if seen. */
  visit(hash: number, state: number, dKey: Uint32Array, dLen: number): boolean {
    const s = this.store;
    const h = mix(hash, state);
    const mask = s.table.length - 1;
    for (let slot = (h ^ (h >>> 15)) & mask; ; slot = (slot + 1) & mask) {
      const e = s.table[slot] as number;
      if (e === 0) break;
      const idx = e - 1;
      if (
        s.hashes[idx] === h &&
        s.states[idx] === state &&
        s.sameFirst(idx, dKey, dLen) &&
        this.sameU(idx, dLen)
      ) {
        return true;
      }
    }
    s.add(h, state, dKey, dLen, this.u, this.uLen);
    return false;
  }

  private sameU(idx: number, dLen: number): boolean {
    const base = (this.store.offsets[idx] as number) + dLen;
    for (let w = 0; w < this.uLen; w++) if (this.store.pool[base + w] !== this.u[w]) return false;
    return true;
  }
}

/**
 * Configurations whose whole subtree failed, for subsumption: with the same definite operations placed and the
 * same state, a configuration that applied a superset of the unknown-outcome operations can do nothing the
 * failed one could not (it could always have skipped them), so it fails too. Only finished subtrees are
 * recorded, never configurations still on the search stack, which keeps the pruning sound.
 */
export class FailedConfigs {
  private readonly store = new EntryStore();
  private readonly u: Uint32Array;
  private readonly uLen: number;

  /** @param u the unknown-operation bitset, read at every call */
  constructor(u: Uint32Array) {
    this.u = u;
    this.uLen = u.length;
  }

  /** Records the current configuration as failed. */
  add(dHash: number, state: number, dKey: Uint32Array, dLen: number): void {
    this.store.add(mix(dHash, state), state, dKey, dLen, this.u, this.uLen);
  }

  /** True if a recorded failure has the same definite set and state and a subset of the unknown operations. */
  dominates(dHash: number, state: number, dKey: Uint32Array, dLen: number): boolean {
    const s = this.store;
    const h = mix(dHash, state);
    const mask = s.table.length - 1;
    for (let slot = (h ^ (h >>> 15)) & mask; ; slot = (slot + 1) & mask) {
      const e = s.table[slot] as number;
      if (e === 0) return false;
      const idx = e - 1;
      if (
        s.hashes[idx] === h &&
        s.states[idx] === state &&
        s.sameFirst(idx, dKey, dLen) &&
        this.subsetU(idx, dLen)
      ) {
        return true;
      }
    }
  }

  private subsetU(idx: number, dLen: number): boolean {
    const base = (this.store.offsets[idx] as number) + dLen;
    for (let w = 0; w < this.uLen; w++) {
      if (((this.store.pool[base + w] as number) & ~(this.u[w] as number)) !== 0) return false;
    }
    return true;
  }
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
