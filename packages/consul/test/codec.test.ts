import { describe, expect, it } from 'vitest';
import { parseVersion } from '../src/codec.js';

describe('version tokens as Consul ModifyIndexes', () => {
  it('reads back the decimal indexes the adapter hands out', () => {
    for (const [token, index] of [
      ['1', 1],
      ['10', 10],
      ['907', 907],
      ['9007199254740991', 2 ** 53 - 1],
    ] as const) {
      expect(parseVersion(token), token).toBe(index);
    }
  });

  it('refuses every token it cannot have handed out, 0 included (to Consul, index 0 means absent)', () => {
    for (const token of [
      '',
      '0',
      '00',
      '01',
      '-1',
      '+1',
      '1e3',
      ' 1',
      '1 ',
      '1.0',
      '0x1f',
      '/1',
      '1:',
      '١',
      '9007199254740993',
      '12345678901234567',
    ]) {
      expect(parseVersion(token), JSON.stringify(token)).toBeUndefined();
    }
  });
});
