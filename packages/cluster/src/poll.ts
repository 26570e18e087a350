import { setTimeout as delay } from 'node:timers/promises';
import { ClusterError } from './errors.js';

/**
 * Polls `check` until it returns true, with a deadline; a throw from `check` that is a
 * ClusterError ends the wait at once (a crashed server will not recover by waiting).
 * Servers announce nothing we could await, so polling their status is the only way.
 */
export async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  options: { intervalMs?: number; onTimeout?: () => string; backend?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if (err instanceof ClusterError) throw err;
      lastErr = err;
    }
    if (Date.now() >= deadline) {
      const why = lastErr instanceof Error ? ` (last error: ${lastErr.message})` : '';
      throw new ClusterError(
        'STARTUP_TIMEOUT',
        `timed out after ${timeoutMs} ms waiting for ${what}${why}${options.onTimeout?.() ?? ''}`,
        options.backend === undefined ? {} : { backend: options.backend },
      );
    }
    await delay(options.intervalMs ?? 100);
  }
}
