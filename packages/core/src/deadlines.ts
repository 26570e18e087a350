import { performance } from 'node:perf_hooks';

/** A call waiting for its deadline: `expire` runs once if `at` (performance.now() ms) passes first. */
export interface PendingDeadline {
  readonly at: number;
  expire(): void;
}

/**
 * The deadlines of one store's calls in flight, watched by one timer instead of one per call.
 * A `setTimeout` and `clearTimeout` per call cost 10–25 µs of client time per call at one call
 * in flight (measured against a canned HTTP server, raw client with and without them), more than
 * the rest of what strongbox adds; a timer that is only re-armed when the earliest deadline
 * passes, and is ref'd while calls are pending (so a pending call keeps the process alive, as its
 * own timer did) and unref'd when none is, costs nothing measurable.
 *
 * Deadlines run on the monotonic clock, so a wall-clock step neither expires calls early nor late.
 */
export class Deadlines {
  readonly #pending = new Set<PendingDeadline>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires (Infinity: none armed). */
  #armedAt = Number.POSITIVE_INFINITY;

  /** Watches `p` until {@link delete} or its deadline, whichever comes first. */
  add(p: PendingDeadline): void {
    this.#pending.add(p);
    if (p.at < this.#armedAt) this.#arm(p.at);
    else if (this.#pending.size === 1) this.#timer?.ref();
  }

  /** Stops watching `p` (its call settled). */
  delete(p: PendingDeadline): void {
    this.#pending.delete(p);
    if (this.#pending.size === 0) this.#timer?.unref();
  }

  /** How many calls are watched (for tests). */
  get size(): number {
    return this.#pending.size;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(this.#sweep, Math.max(1, Math.ceil(at - performance.now())));
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    const expired: PendingDeadline[] = [];
    for (const p of this.#pending) {
      if (p.at <= now) expired.push(p);
      else if (p.at < next) next = p.at;
    }
    for (const p of expired) this.#pending.delete(p);
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
    // After re-arming, and each on its own: one that throws must not keep the others from expiring.
    for (const p of expired) {
      try {
        p.expire();
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  };
}
