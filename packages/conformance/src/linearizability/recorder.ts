import type { HistoryEvent, OpFunction, Scalar, Value } from '../history/schema.js';

/**
 * The run's clock: nanoseconds since the run started, from the monotonic `process.hrtime`. History times
 * and fault times are read from the same clock, so the report can lay faults over operations.
 * Counting from the run's start (not from boot) keeps every reading a small safe integer.
 */
export interface RunClock {
  /** Nanoseconds since the clock was made. */
  now(): number;
  /** When the clock was made, as an ISO date (wall clock), for the run's name and report. */
  readonly startedAt: string;
}

/** Makes a {@link RunClock} that reads 0 now. */
export function createClock(): RunClock {
  const origin = process.hrtime.bigint();
  return {
    now: () => Number(process.hrtime.bigint() - origin),
    startedAt: new Date().toISOString(),
  };
}

/** How many operations of one function ended ok, failed, or with an unknown outcome. */
export interface OutcomeCounts {
  ok: number;
  fail: number;
  info: number;
}

/** {@link OutcomeCounts} per operation function. */
export type CountsByFunction = Record<OpFunction, OutcomeCounts>;

/** The argument an invoke carries: a value for write/create, `[expected, new]` for cas, nothing otherwise. */
export type InvokeArg = Scalar | readonly [Scalar, Scalar] | undefined;

/** How an operation ended, as the recorder writes it. */
export type Completion =
  | { readonly type: 'ok'; readonly value?: Value | boolean }
  /** Without `error`: a cas/create that lost its comparison. With it: the operation surely did not apply. */
  | { readonly type: 'fail'; readonly error?: string }
  /** The outcome is unknown; `error` says why. */
  | { readonly type: 'info'; readonly error: string };

/** An operation that was invoked and not yet completed; complete it exactly once. */
export interface OpenOperation {
  readonly process: number;
  readonly f: OpFunction;
  readonly key: string;
  complete(outcome: Completion): void;
}

/**
 * Records a history (docs/history-format.md) as clients run: one invoke event before a call is sent and one
 * completion after its answer, each stamped with the run clock. Times are taken synchronously around the call,
 * so a recorded interval always contains the real one.
 */
export class Recorder {
  readonly events: HistoryEvent[] = [];
  readonly counts: CountsByFunction = {
    read: { ok: 0, fail: 0, info: 0 },
    write: { ok: 0, fail: 0, info: 0 },
    cas: { ok: 0, fail: 0, info: 0 },
    create: { ok: 0, fail: 0, info: 0 },
    delete: { ok: 0, fail: 0, info: 0 },
  };

  constructor(readonly clock: RunClock) {}

  /** Records the invocation of `f` on `key` by `process` and returns the handle to complete it. */
  invoke(process: number, f: OpFunction, key: string, arg: InvokeArg): OpenOperation {
    const invoke: HistoryEvent = { process, type: 'invoke', f, key, time: this.clock.now() };
    if (arg !== undefined) invoke.value = typeof arg === 'object' ? [arg[0], arg[1]] : arg;
    this.events.push(invoke);
    let done = false;
    return {
      process,
      f,
      key,
      complete: (outcome) => {
        // A guard that gave up on a hung call and the call's late answer must not both complete it.
        if (done) return;
        done = true;
        const event: HistoryEvent = { process, type: outcome.type, f, key, time: this.clock.now() };
        if (outcome.type === 'ok' && outcome.value !== undefined) event.value = outcome.value;
        if (outcome.type !== 'ok' && outcome.error !== undefined) event.error = outcome.error;
        this.events.push(event);
        this.counts[f][outcome.type]++;
      },
    };
  }

  /** Completed operations so far. */
  get completed(): number {
    let n = 0;
    for (const c of Object.values(this.counts)) n += c.ok + c.fail + c.info;
    return n;
  }

  /** Operations that ended ok so far. */
  get succeeded(): number {
    let n = 0;
    for (const c of Object.values(this.counts)) n += c.ok;
    return n;
  }
}
