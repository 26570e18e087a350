import { describe, expect, it } from 'vitest';
import { MemberHealth } from '../src/health.js';

describe('the member policy', () => {
  it('creates the call with no stack capture, and gives the caller its stackTraceLimit back', async () => {
    const before = Error.stackTraceLimit;
    Error.stackTraceLimit = 17;
    try {
      const policy = new MemberHealth().policy('m1');
      let seen: number | undefined;
      const result = await policy.execute(() => {
        seen = Error.stackTraceLimit;
        return 'answer';
      });
      expect({ seen, result, after: Error.stackTraceLimit }).toEqual({
        seen: 0,
        result: 'answer',
        after: 17,
      });

      // Also when creating the call throws.
      const boom = policy.execute(() => {
        throw new Error('not sent');
      });
      await expect(boom).rejects.toThrow('not sent');
      expect(Error.stackTraceLimit).toBe(17);
    } finally {
      Error.stackTraceLimit = before;
    }
  });
});
