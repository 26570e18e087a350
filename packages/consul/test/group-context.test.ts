import { DriverContext, StoreError } from '@strongbox/core';
import { describe, expect, it } from 'vitest';
import { GroupContext } from '../src/groups.js';

const timeout = new StoreError('TIMEOUT', 'no answer', { backend: 'consul' });

describe("a group request's context", () => {
  it('is given up only when every member is, and allows no resend once any member was', () => {
    const now = Date.now();
    const members = [
      { ctx: new DriverContext(now + 5_000, false) },
      { ctx: new DriverContext(now + 1_000, true) },
      { ctx: new DriverContext(now + 9_000, false) },
    ];
    const group = new GroupContext(members);
    const fired: StoreError[] = [];
    group.onCancel((reason) => fired.push(reason));
    // The HTTP layer sends again (after a failure that applied nothing) only before `deadline`.
    expect(group.deadline).toBe(now + 1_000);
    expect(group.timeoutGiven).toBe(true);
    group.gone(timeout);
    expect(group.deadline).toBe(0);
    group.gone(timeout);
    expect([fired, group.cancelled, group.signal.aborted]).toEqual([[], undefined, false]);
    group.gone(timeout);
    expect([fired, group.cancelled, group.signal.aborted]).toEqual([[timeout], timeout, true]);
  });
});
