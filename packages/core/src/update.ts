import { StoreError } from './errors.js';
import type { Condition, Entry, Store, UpdateFn, UpdateOptions, UpdateResult } from './types.js';

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * The optimistic retry loop behind {@link Store.update}. It retries only when its transaction lost
 * a comparison, which is a definite "nothing applied"; any error (INDETERMINATE included) ends
 * the loop, because re-sending after an ambiguous failure could apply the writes twice.
 */
export async function runUpdate<T>(
  store: Store,
  keys: readonly string[],
  fn: UpdateFn<T>,
  options: UpdateOptions = {},
): Promise<UpdateResult<T>> {
  const maxAttempts = options.maxAttempts ?? 10;
  const initial = options.initialBackoffMs ?? 5;
  const max = options.maxBackoffMs ?? 250;
  const call = {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const unique = [...new Set(keys)];
  if (unique.length === 0) {
    throw new StoreError('INVALID_ARGUMENT', 'update needs at least one key to read', {
      backend: store.backend,
    });
  }
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    throw new StoreError('INVALID_ARGUMENT', `maxAttempts must be a positive integer, got ${maxAttempts}`, {
      backend: store.backend,
    });
  }
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const entries = await Promise.all(unique.map((k) => store.get(k, call)));
    const current = new Map<string, Entry | undefined>(unique.map((k, i) => [k, entries[i]]));
    const plan = await fn(current, attempt);
    if (plan === undefined) return { ok: false, reason: 'declined', attempts: attempt };
    const conditions: Condition[] = unique.map((key) => {
      const e = current.get(key);
      return e === undefined ? { type: 'absent', key } : { type: 'version', key, version: e.version };
    });
    const result = await store.transaction({ conditions, operations: plan.operations }, call);
    if (result.ok) return { ok: true, attempts: attempt, versions: result.versions, result: plan.result };
    if (attempt < maxAttempts) {
      const ceiling = Math.min(max, initial * 2 ** (attempt - 1));
      await sleep(ceiling / 2 + Math.random() * (ceiling / 2), options.signal);
      if (options.signal?.aborted) {
        throw new StoreError('ABORTED', `update aborted after ${attempt} attempt(s)`, {
          backend: store.backend,
          cause: options.signal.reason,
        });
      }
    }
  }
  return { ok: false, reason: 'conflict', attempts: maxAttempts };
}
