import type { Entry } from '@strongbox/core';
import { parseVersion } from './codec.js';

/** Entries kept at most; the key remembered longest ago (first added, not since forgotten) is dropped first. */
export const INDEX_CACHE_ENTRIES = 1024;
/** Values longer than this are not kept (the cache stays under ~1 MiB). */
export const INDEX_CACHE_VALUE_BYTES = 1024;

/**
 * The last (value, ModifyIndex) this handle saw for each recently used key, so a compare-and-swap
 * by value can send `cas` on that index without reading first. It needs no invalidation: a
 * ModifyIndex names one write forever (Raft indexes are never reused), so the pair is always
 * true of that index, and `cas` on an index the key has moved past simply fails, after which the
 * adapter reads the key as it would have without the cache.
 */
export class IndexCache {
  readonly #entries = new Map<string, { value: Uint8Array; index: number }>();

  /** Remembers what a read or a successful write showed. */
  remember(key: string, value: Uint8Array, version: string): void {
    const index = parseVersion(version);
    const known = this.#entries.get(key);
    // Read again unchanged (the common case): nothing to learn, and no copy to make.
    if (known !== undefined && index !== undefined && known.index === index) return;
    if (index === undefined || value.byteLength > INDEX_CACHE_VALUE_BYTES) {
      if (known !== undefined) this.#entries.delete(key);
      return;
    }
    // A copy: a caller's Buffer may change after the call, and Buffer#slice would be a view of it.
    const copy = new Uint8Array(value);
    if (known !== undefined) {
      // Changed in place: a Map delete and re-insert on every write costs more than the rest of this.
      known.value = copy;
      known.index = index;
      return;
    }
    this.#entries.set(key, { value: copy, index });
    if (this.#entries.size > INDEX_CACHE_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Remembers a read entry; an absent key forgets what was known. */
  saw(key: string, entry: Entry | undefined): void {
    if (entry === undefined) this.#entries.delete(key);
    else this.remember(key, entry.value, entry.version);
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }

  /** The index at which this handle last saw `key` hold exactly `value`, if it did. */
  indexOf(key: string, value: Uint8Array): number | undefined {
    const e = this.#entries.get(key);
    if (e === undefined || e.value.byteLength !== value.byteLength) return undefined;
    return Buffer.from(e.value.buffer, e.value.byteOffset, e.value.byteLength).equals(value)
      ? e.index
      : undefined;
  }
}
