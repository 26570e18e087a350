import { compareKeys } from '@strongbox/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey, parseVersion, versionToken } from '../src/layout.js';

// Characters ZooKeeper refuses in a path component (PathUtils.validatePath), besides '/'.
function legalZnodeName(name: string): boolean {
  if (name === '' || name === '.' || name === '..' || name.includes('/')) return false;
  for (const ch of name) {
    const c = ch.codePointAt(0) as number;
    if (c === 0 || (c > 0 && c < 0x1f) || (c > 0x7f && c < 0x9f)) return false;
    if ((c > 0xd800 && c < 0xf8ff) || (c > 0xfff0 && c < 0xffff)) return false;
  }
  return true;
}

const keys = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
const anyKey = fc.oneof(
  keys,
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => s.isWellFormed()),
);

describe('key encoding', () => {
  it('round-trips every well-formed key into a legal znode name', () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        const name = encodeKey(key);
        expect(legalZnodeName(name)).toBe(true);
        expect(decodeKey(name)).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes the awkward cases: separators, dots, percent, control and astral characters', () => {
    for (const key of [
      '.',
      '..',
      '/',
      'a/b',
      '%',
      '%41',
      'zookeeper',
      '\u0001',
      '\u007f',
      '😀',
      'é',
      ' ',
      'a b',
    ]) {
      const name = encodeKey(key);
      expect(legalZnodeName(name), `${JSON.stringify(key)} -> ${name}`).toBe(true);
      expect(decodeKey(name)).toBe(key);
    }
    expect(encodeKey('a/b')).toBe('a%2Fb');
    expect(encodeKey('..')).toBe('%2E%2E');
  });

  it('keeps prefixes: a key starts with a prefix exactly when its name starts with the prefix name', () => {
    fc.assert(
      fc.property(anyKey, anyKey, (a, b) => {
        expect(encodeKey(b).startsWith(encodeKey(a))).toBe(
          Buffer.from(b).subarray(0, Buffer.byteLength(a)).equals(Buffer.from(a)),
        );
      }),
      { numRuns: 2000 },
    );
    // Not only whole path segments: "ab" is a prefix of "abc/d".
    expect(encodeKey('abc/d').startsWith(encodeKey('ab'))).toBe(true);
  });

  it('refuses names strongbox did not write', () => {
    for (const name of ['a%2', '%zz', '%2f', 'a.b', 'é', '%C3', '%FF'])
      expect(decodeKey(name), name).toBeUndefined();
  });

  it('orders nothing by itself: list sorts decoded keys by UTF-8 bytes', () => {
    // '%' (0x25) sorts before letters while the byte it escapes may not: sorting must use the keys.
    const sorted = ['a/b', 'a-b', 'a.b'].sort(compareKeys);
    expect(sorted).toEqual(['a-b', 'a.b', 'a/b']);
  });
});

describe('version tokens', () => {
  it('are the data version as a canonical decimal, and nothing else parses', () => {
    expect(versionToken(0)).toBe('0');
    expect(parseVersion('0')).toBe(0);
    expect(parseVersion('2147483647')).toBe(2147483647);
    for (const bad of ['', '-1', '01', '1.0', ' 1', '2147483648', '1e3', 'abc', '0x10']) {
      expect(parseVersion(bad), bad).toBeUndefined();
    }
  });
});
