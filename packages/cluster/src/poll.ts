import { setTimeout as delay } from 'node:timers/promises';
import { ClusterError } from './errors.js';

const LATE = Symbol('late');

/** `p`'s outcome, or LATE when `ms` pass first (a late rejection of `p` is dropped). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof LATE> {
  p.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), LATE);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` until it returns true, with a deadline that also bounds a check in flight (a
 * check that answers after the deadline does not count); a throw from `check` that is a
 * ClusterError ends the wait at once (a crashed server will not recover by waiting).
 * Servers announce nothing we could await, so polling their status is the only way. A check
 * cut off by the deadline must be safe to abandon (the probes are one-shot requests).
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
    let late = false;
    try {
      const answer = await within(check(), deadline - Date.now());
      if (answer === true) return;
      late = answer === LATE;
    } catch (err) {
      if (err instanceof ClusterError) throw err;
      lastErr = err;
    }
    if (late || Date.now() >= deadline) {
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
