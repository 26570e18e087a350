import { performance } from 'node:perf_hooks';

/** A call waiting for its deadline: `expire` runs once if `at` (performance.now() ms) passes first. */
export interface PendingDeadline {
  readonly at: number;
  expire(): void;
}

/** The longest delay `setTimeout` takes (2^31 − 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The stores' deadline watchers with calls pending, which keep the process up (see {@link Deadlines}). */
const withPending = new Set<Deadlines>();
let hooked = false;

function keepPendingAlive(): void {
  for (const d of withPending) d.keepAlive();
}

/**
 * The deadlines of one store's calls in flight, watched by one timer instead of one per call.
 * A `setTimeout` and `clearTimeout` per call cost 10–25 µs of client time per call at one call
 * in flight (measured against a canned HTTP server, raw client with and without them), more than
 * the rest of what strongbox adds. So the timer is only re-armed when the earliest deadline passes.
 *
 * The timer never keeps the process alive by itself, so an idle store does not. Yet a pending call
 * must (as its own timer did), until its deadline at the latest: when the event loop runs empty
 * (`beforeExit`) while calls are pending, the timer is ref'd until they have all settled (so a
 * `beforeExit` handler of the application's may now run while calls are pending). Not a
 * ref while any call is pending and an unref when none is: at one call in flight that is two
 * toggles of the timer's handle per call, which cost about 20 µs per call when it runs cold
 * (a get with the client stubbed and the caches evicted between calls).
 *
 * Deadlines run on the monotonic clock, so a wall-clock step neither expires calls early nor late.
 */
export class Deadlines {
  readonly #pending = new Set<PendingDeadline>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires (Infinity: none armed). */
  #armedAt = Number.POSITIVE_INFINITY;
  /** Whether the timer was ref'd because the process would have ended with calls pending. */
  #holding = false;

  constructor() {
    if (!hooked) {
      hooked = true;
      process.on('beforeExit', keepPendingAlive);
    }
  }

  /** Watches `p` until {@link delete} or its deadline, whichever comes first. */
  add(p: PendingDeadline): void {
    this.#pending.add(p);
    if (this.#pending.size === 1) withPending.add(this);
    if (p.at < this.#armedAt) this.#arm(p.at);
  }

  /** Stops watching `p` (its call settled). */
  delete(p: PendingDeadline): void {
    if (!this.#pending.delete(p) || this.#pending.size > 0) return;
    withPending.delete(this);
    this.#release();
  }

  /** How many calls are watched (for tests). */
  get size(): number {
    return this.#pending.size;
  }

  /** The process would end with calls pending: keep it up until their deadlines at the latest. */
  keepAlive(): void {
    if (this.#pending.size === 0 || this.#timer === undefined) return;
    this.#holding = true;
    this.#timer.ref();
  }

  #release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.#timer?.unref();
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = at;
    // At most Node's longest timer delay (about 24.8 days): a longer one would fire after 1 ms, again and again.
    this.#timer = setTimeout(
      this.#sweep,
      Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(at - performance.now()))),
    );
    if (!this.#holding) this.#timer.unref();
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
    else {
      withPending.delete(this);
      this.#holding = false;
    }
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
