import type { Entry } from '@strongbox/core';
import type { IKeyValue } from 'etcd3';

/** A key as etcd stores it: its UTF-8 bytes. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

/** A value as the request encoder takes it, without copying the caller's bytes. */
export function valueBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

const ALL = Buffer.from([0]);

/**
 * The `[key, range_end)` of every key starting with `prefix`, as etcd's clientv3.WithPrefix builds
 * it: the prefix with its last byte below 0xff incremented. The empty prefix (or one of only 0xff
 * bytes) ranges to the end of the keyspace, which etcd spells as range_end "\0".
 */
export function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  if (prefix === '') return { key: ALL, range_end: ALL };
  const key = keyBytes(prefix);
  for (let i = key.length - 1; i >= 0; i--) {
    const b = key[i] as number;
    if (b < 0xff) {
      const end = Buffer.from(key.subarray(0, i + 1));
      end[i] = b + 1;
      return { key, range_end: end };
    }
  }
  return { key, range_end: ALL };
}

/**
 * The strongbox entry of an etcd key-value. The version is the key's mod revision: etcd's
 * cluster-wide revision counter only grows, so a version is never handed out twice, not even to
 * a key deleted and created again.
 */
export function toEntry(kv: IKeyValue, key?: string): Entry {
  const v = kv.value;
  return {
    key: key ?? kv.key.toString('utf8'),
    // A plain Uint8Array view (no copy): callers compare values as Uint8Array, not Buffer.
    value: new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
    version: kv.mod_revision,
  };
}

const MAX_REVISION = 2n ** 63n - 1n;

/**
 * The mod revision a version token names, or undefined when the token cannot be one this store
 * handed out (a foreign or mangled token); such a comparison can never hold.
 */
export function parseVersion(version: string): string | undefined {
  if (!/^[1-9][0-9]{0,18}$/.test(version)) return undefined;
  // Up to 18 digits is always below 2^63; only a 19-digit token needs the exact comparison.
  return version.length < 19 || BigInt(version) <= MAX_REVISION ? version : undefined;
}
