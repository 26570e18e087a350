import { DriverContext, StoreError } from '@strongbox/core';
import { describe, expect, it } from 'vitest';
import { GroupContext, TxnGroups } from '../src/groups.js';

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

describe('grouped calls after close', () => {
  it('a call that reaches the groups after close (a step of a call begun before it) is CLOSED and sends nothing', async () => {
    // Our own HTTP layer stood in by a recorder: what is checked is that nothing reaches it.
    const sent: unknown[] = [];
    const http = {
      txn: (ops: unknown) => {
        sent.push(ops);
        return new Promise(() => {});
      },
    } as unknown as ConstructorParameters<typeof TxnGroups>[0];
    const groups = new TxnGroups(http, 'write', 1, true);
    groups.close();
    const ctx = new DriverContext(Date.now() + 1_000, false);
    const code = await groups.txn('k', [{ KV: { Verb: 'set', Key: 'k', Value: '' } }], ctx).then(
      () => 'ok',
      (err: StoreError) => err.code,
    );
    expect([code, sent]).toEqual(['CLOSED', []]);
  });
});
