import { describe, expect, it } from 'vitest';
import { parseVersion, prefixRange } from '../src/keys.js';

describe('version tokens', () => {
  it('are mod revisions: positive canonical decimals up to 2^63-1, nothing else', () => {
    for (const ok of ['1', '42', '999999999999999999', '1000000000000000000', '9223372036854775807']) {
      expect(parseVersion(ok)).toBe(ok);
    }
    for (const bad of [
      '0',
      '01',
      '-1',
      '+1',
      '1.0',
      'x',
      '',
      ' 1',
      '9223372036854775808',
      '99999999999999999999',
    ]) {
      expect(parseVersion(bad)).toBeUndefined();
    }
  });
});

describe('prefixRange', () => {
  it('ends a prefix range after every key starting with it, as clientv3.WithPrefix does', () => {
    expect(prefixRange('ab')).toEqual({ key: Buffer.from('ab'), range_end: Buffer.from('ac') });
    expect(prefixRange('a\u00ff')).toEqual({
      key: Buffer.from('a\u00ff'),
      // U+00FF is C3 BF in UTF-8: the last byte below 0xff is BF.
      range_end: Buffer.from([0x61, 0xc3, 0xc0]),
    });
    expect(prefixRange('')).toEqual({ key: Buffer.from([0]), range_end: Buffer.from([0]) });
  });
});
