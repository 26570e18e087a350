import { type Entry, StoreError } from '@strongbox/core';
import type { RawEntry, TxnOp } from './client.js';

/**
 * Consul's default `txn_max_req_len` (and `kv_max_value_size`): 512 KiB of JSON request body.
 * The contract's limits (256 KiB values and transactions) fit in it once values are base64
 * encoded (×4/3), except for keys full of characters JSON escapes as `\u00XX` (×6): see
 * {@link checkBodySize}.
 */
export const MAX_TXN_BODY_BYTES = 512 * 1024;

// Refilled 1,024 nonces at a time: one call into the system's random source costs far more than
// the bytes it returns.
const nonces = new Uint32Array(2048);
let nextNonce = nonces.length;

/**
 * A fresh random 53-bit number for the `Flags` of every written entry. Consul skips a write whose
 * entry is unchanged (same value, flags and session) and keeps the old ModifyIndex, so without it
 * writing the same bytes again would return the previous version, and two `putIfVersion` calls
 * from one version writing the same bytes would both succeed. With random flags such a write is a
 * no-op only if its 53 random bits equal the stored ones as well: a chance of 2^-53 per write.
 */
export function writeNonce(): number {
  if (nextNonce + 2 > nonces.length) {
    crypto.getRandomValues(nonces);
    nextNonce = 0;
  }
  const hi = (nonces[nextNonce++] as number) & 0x1fffff;
  const lo = nonces[nextNonce++] as number;
  return hi * 0x1_0000_0000 + lo || 1;
}

/** A value as Consul's JSON API carries it. */
export function encodeValue(value: Uint8Array): string {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
}

/** A Consul entry as a strongbox entry: the version is the entry's ModifyIndex, a Raft index. */
export function toEntry(raw: RawEntry): Entry {
  const bytes = raw.Value === null ? undefined : Buffer.from(raw.Value, 'base64');
  // A plain Uint8Array view of the decoded bytes, no copy (as the KV read's).
  const value =
    bytes === undefined ? new Uint8Array(0) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  return { key: raw.Key, value, version: String(raw.ModifyIndex) };
}

/**
 * The ModifyIndex a version token stands for, or undefined when the token cannot be one this
 * store handed out. Index 0 is refused on purpose: to Consul `cas` index 0 means "only if absent".
 */
export function parseVersion(version: string): number | undefined {
  // Digits checked by hand, not by a regular expression: this runs on every read and write.
  const length = version.length;
  if (length === 0 || length > 16) return undefined;
  for (let i = 0; i < length; i++) {
    const c = version.charCodeAt(i);
    if (c > 0x39 || c < (i === 0 ? 0x31 : 0x30)) return undefined;
  }
  const n = Number(version);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The new version of `key` from the results of a committed transaction. Results also hold entries
 * of `get` ops (present conditions) with older indexes: the write's own result has the highest
 * ModifyIndex of that key.
 */
export function versionOf(results: readonly RawEntry[], key: string): string {
  let best = 0;
  for (const r of results) if (r.Key === key && r.ModifyIndex > best) best = r.ModifyIndex;
  if (best === 0) {
    throw new StoreError(
      'INDETERMINATE',
      `consul applied the write but returned no entry for key ${JSON.stringify(key)} (an ACL token without read ` +
        'access to it?), so its new version is unknown',
      { backend: 'consul' },
    );
  }
  return String(best);
}

/** The new version of every key in `keys` (see {@link versionOf}). */
export function versionsOf(results: readonly RawEntry[], keys: Iterable<string>): Map<string, string> {
  const versions = new Map<string, string>();
  for (const key of keys) versions.set(key, versionOf(results, key));
  return versions;
}

/**
 * An upper bound on the JSON bytes of `ops` inside a transaction's array (the array's brackets not
 * counted): per op at most 100 bytes of syntax, verb and numbers (`{"KV":{"Verb":"cas","Key":"",
 * "Value":"","Index":…,"Flags":…}},` is 92 with 16-digit numbers), 6 bytes per byte of key (`\u00XX`),
 * and the base64 value.
 */
export function bodyBound(ops: readonly TxnOp[]): number {
  let bound = 0;
  for (const op of ops) bound += 100 + 6 * Buffer.byteLength(op.KV.Key) + (op.KV.Value?.length ?? 0);
  return bound;
}

/**
 * Refuses a transaction whose JSON body would exceed Consul's request limit, before sending it.
 * A cheap upper bound decides almost always; the exact size is only computed near the limit.
 */
export function checkBodySize(ops: readonly TxnOp[]): void {
  if (2 + bodyBound(ops) <= MAX_TXN_BODY_BYTES) return;
  const exact = Buffer.byteLength(JSON.stringify(ops));
  if (exact > MAX_TXN_BODY_BYTES) {
    throw new StoreError(
      'VALUE_TOO_LARGE',
      `the consul transaction body must be at most ${MAX_TXN_BODY_BYTES} bytes of JSON (txn_max_req_len), got ${exact}`,
      { backend: 'consul' },
    );
  }
}
