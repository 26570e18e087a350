import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ClusterError } from '../src/errors.js';
import { until } from '../src/poll.js';

describe('until', () => {
  it('a check still in flight at the deadline does not count, even if it says yes later', async () => {
    const started = Date.now();
    const err = await until('a slow yes', 50, async () => {
      await delay(400);
      return true;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('STARTUP_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('polls until the check holds, and keeps the last error for the timeout message', async () => {
    let calls = 0;
    await until('the third call', 5_000, async () => ++calls === 3, { intervalMs: 1 });
    expect(calls).toBe(3);
    const err = await until(
      'a failing check',
      30,
      async () => {
        throw new Error('connection refused');
      },
      { intervalMs: 1 },
    ).catch((e: unknown) => e);
    expect((err as ClusterError).message).toMatch(/last error: connection refused/);
  });

  it('a ClusterError from the check ends the wait at once', async () => {
    const crash = new ClusterError('PROCESS_EXITED', 'n1 exited');
    await expect(until('a crashed node', 5_000, async () => Promise.reject(crash))).rejects.toBe(crash);
  });
});
