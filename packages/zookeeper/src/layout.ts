/**
 * How strongbox lays keys out in ZooKeeper.
 *
 * Under the configured root there are two znodes: `<root>/data`, whose children are the keys (one
 * flat level, so `list` works for any prefix, not only whole path segments), and nothing else; the
 * root itself is the target of read barriers. A key's znode is never deleted: deleting a key writes
 * a tombstone, so the znode keeps one incarnation forever and its data version only grows. That
 * makes the data version a version token that is never reused for a key (see docs/consistency.md).
 */

/** First byte of a key znode's data: a live entry, followed by the value. */
export const LIVE = 0x01;
/** First byte of a key znode's data: a tombstone (the key is absent). */
export const TOMBSTONE = 0x00;

const TOMBSTONE_DATA = Buffer.from([TOMBSTONE]);

// Bytes kept as they are in a znode name. '%' is the escape, '.' is escaped so that no name can be
// "." or "..", and everything outside this set (including '/', control and non-ASCII bytes, which
// ZooKeeper rejects or mangles) becomes %XX of its UTF-8 bytes.
const PLAIN = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~')
  PLAIN[c.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';
/** A key of only the bytes kept as they are (the same set as PLAIN). */
const UNESCAPED = /^[A-Za-z0-9_~-]*$/;

/**
 * Encodes a key (or a prefix) as a znode name. Byte-wise and prefix-free per byte, so `a` is a
 * prefix of `b` (as UTF-8 bytes) exactly when `encodeKey(a)` is a prefix of `encodeKey(b)`.
 */
export function encodeKey(key: string): string {
  // Most keys need no escape at all: then the name is the key itself.
  if (UNESCAPED.test(key)) return key;
  let out = '';
  for (const b of Buffer.from(key, 'utf8')) {
    out += PLAIN[b] ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** Decodes a znode name made by {@link encodeKey}; undefined for a name strongbox did not make. */
export function decodeKey(name: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x25) {
      const hex = name.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c < 128 && PLAIN[c]) {
      bytes.push(c);
    } else {
      return undefined;
    }
  }
  const key = Buffer.from(bytes).toString('utf8');
  // A name that does not round-trip (malformed UTF-8) was not written by strongbox.
  return encodeKey(key) === name ? key : undefined;
}

/** The znode paths of one store. */
export class Layout {
  /** The configured root: read barriers check it. */
  readonly root: string;
  /** The parent of every key znode; its data version counts key creations (see `list`). */
  readonly data: string;

  constructor(root: string) {
    this.root = root;
    this.data = `${root}/data`;
  }

  /** The znode of a key. */
  path(key: string): string {
    return `${this.data}/${encodeKey(key)}`;
  }
}

/** A key znode's data: a live value or a tombstone. */
export function encodeLive(value: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(value.byteLength + 1);
  out[0] = LIVE;
  out.set(value, 1);
  return out;
}

/** The data of a tombstone. */
export function tombstoneData(): Buffer {
  return TOMBSTONE_DATA;
}

/** The value stored in a key znode's data, or undefined for a tombstone (or empty data). */
export function decodeData(data: Buffer | null | undefined): Uint8Array | undefined {
  if (!data || data.length === 0 || data[0] !== LIVE) return undefined;
  return new Uint8Array(data.buffer, data.byteOffset + 1, data.length - 1).slice();
}

/** The version token of a key znode at data version `dataVersion`. */
export function versionToken(dataVersion: number): string {
  return String(dataVersion);
}

/**
 * The data version a token stands for, or undefined when the string is no token this adapter
 * hands out (such a token never matches any entry).
 */
export function parseVersion(token: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(token)) return undefined;
  const n = Number(token);
  return n <= 0x7fffffff ? n : undefined;
}

/** Byte-wise equality of a stored value and an expected one. */
export function bytesEqualTo(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
