const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A value as bytes: strings are encoded as UTF-8; bytes are returned as they are. */
export function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}

/** Decodes UTF-8 bytes to a string; throws on malformed UTF-8. */
export function toText(value: Uint8Array): string {
  return decoder.decode(value);
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Orders two strings by their UTF-8 bytes, the order etcd, Consul and ZooKeeper keys sort in. */
export function compareKeys(a: string, b: string): number {
  // UTF-16 code-unit order differs from UTF-8 byte order only around surrogate pairs.
  const ab = encoder.encode(a);
  const bb = encoder.encode(b);
  const n = Math.min(ab.byteLength, bb.byteLength);
  for (let i = 0; i < n; i++) {
    const d = (ab[i] as number) - (bb[i] as number);
    if (d !== 0) return d;
  }
  return ab.byteLength - bb.byteLength;
}

/** The UTF-8 length of a string in bytes. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
