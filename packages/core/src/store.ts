import { performance } from 'node:perf_hooks';
import { compareKeys } from './bytes.js';
import { Deadlines, type PendingDeadline } from './deadlines.js';
import type { CallContext, Driver, DriverDeleteResult, WriteCondition } from './driver.js';
import { StoreError } from './errors.js';
import type {
  CallOptions,
  CasResult,
  DeleteIfResult,
  Entry,
  ListOptions,
  Store,
  TransactionResult,
  TransactionSpec,
  UpdateFn,
  UpdateOptions,
  UpdateResult,
  ValueInput,
  Version,
} from './types.js';
import { runUpdate } from './update.js';
import {
  checkKey,
  checkPrefix,
  checkTimeout,
  checkValue,
  checkVersion,
  type NormalizedTransaction,
  normalizeTransaction,
} from './validate.js';

/** Options of {@link storeFromDriver}. */
export interface DriverStoreOptions {
  /** Deadline of a call that gives none. @default 5000 */
  requestTimeoutMs?: number;
}

type Kind = 'read' | 'write';

/**
 * A call's context, cancelled by whoever made it: the store for its calls, an adapter for driver
 * work outside a store call ({@link timedContext}) or for one request shared by several calls.
 * The AbortSignal and the listener list are only made when a driver asks.
 */
export class DriverContext implements CallContext {
  #controller: AbortController | undefined;
  /** The first listener in a field: a driver registers one, and an array per call is garbage. */
  #listener: ((reason: StoreError) => void) | undefined;
  #more: Array<(reason: StoreError) => void> | undefined;
  #reason: StoreError | undefined;

  constructor(
    readonly deadline: number,
    readonly timeoutGiven: boolean,
  ) {}

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get cancelled(): StoreError | undefined {
    return this.#reason;
  }

  onCancel(listener: (reason: StoreError) => void): void {
    if (this.#reason !== undefined) {
      listener(this.#reason);
      return;
    }
    if (this.#listener === undefined) this.#listener = listener;
    else {
      this.#more ??= [];
      this.#more.push(listener);
    }
  }

  cancel(reason: StoreError): void {
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#listener?.(reason);
    for (const l of this.#more ?? []) l(reason);
  }
}

/**
 * One store call in flight, in one object: the driver's context, the deadline the store's timer
 * watches, the listener of the caller's abort signal (as a `handleEvent` object) and the settling
 * of the caller's promise, instead of a closure or object per role: the store's garbage per get
 * fell from about 1.1 to 0.9 KB (a sampled allocation profile at 64 calls in flight, Consul).
 */
class Call<T> extends DriverContext implements PendingDeadline {
  /** When the deadline passes, on the store timer's monotonic clock (performance.now() ms). */
  readonly at: number;
  #settled = false;
  #resolve!: (value: T) => void;
  #reject!: (err: StoreError) => void;
  /** The caller's promise, settled by whichever comes first: the driver, the deadline, the abort. */
  readonly promise: Promise<T>;

  constructor(
    private readonly deadlines: Deadlines,
    private readonly backend: string,
    private readonly kind: Kind,
    private readonly timeoutMs: number,
    timeoutGiven: boolean,
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    super(Date.now() + timeoutMs, timeoutGiven);
    this.at = performance.now() + timeoutMs;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    deadlines.add(this);
    callerSignal?.addEventListener('abort', this, { once: true });
  }

  /** Hands the call to the driver; its late answer or error, after the deadline won, is dropped. */
  start(work: Promise<T>): void {
    work.then(
      (value) => {
        if (this.#settle()) this.#resolve(value);
      },
      (err: unknown) => {
        if (this.#settle()) this.#reject(classify(err, this.kind, undefined, this.backend));
      },
    );
  }

  /** The deadline passed (called by the store's timer). */
  expire(): void {
    this.#fire(new StoreError('TIMEOUT', `no answer within ${this.timeoutMs} ms`, { backend: this.backend }));
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.#fire(
      new StoreError('ABORTED', 'the call was aborted', {
        backend: this.backend,
        cause: this.callerSignal?.reason,
      }),
    );
  }

  #fire(err: StoreError): void {
    if (!this.#settle()) return;
    this.cancel(err);
    this.#reject(classify(err, this.kind, err, this.backend));
  }

  /** Marks the call settled; false if it already was. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.deadlines.delete(this);
    this.callerSignal?.removeEventListener('abort', this);
    return true;
  }
}

/**
 * The error a call fails with. `fired` is the store's own TIMEOUT or ABORTED when that settled
 * the call: a read fails with it, a write that was already handed to the driver is INDETERMINATE.
 */
function classify(err: unknown, kind: Kind, fired: StoreError | undefined, backend: string): StoreError {
  if (
    fired &&
    (err === fired || !(err instanceof StoreError) || err.code === 'TIMEOUT' || err.code === 'ABORTED')
  ) {
    if (kind === 'read') return fired;
    return new StoreError('INDETERMINATE', `the write may or may not have been applied: ${fired.message}`, {
      backend,
      cause: fired,
    });
  }
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return kind === 'read'
    ? new StoreError('INTERNAL', `unexpected ${backend} error: ${message}`, { backend, cause: err })
    : new StoreError(
        'INDETERMINATE',
        `unexpected ${backend} error, the write may have been applied: ${message}`,
        {
          backend,
          cause: err,
        },
      );
}

/** Validates and prepares a call's input (throws on bad input, before anything is sent). */
type Prepare<A, P> = (store: DriverStore, arg: A) => P;
/** Sends a prepared call through the driver. */
type Run<P, T> = (driver: Driver, input: P, ctx: CallContext) => Promise<T>;

// The hot paths' steps as module functions, so a call makes no closures for them.
const prepareKey: Prepare<string, string> = (store, key) => checkKey(key, store.capabilities, store.backend);
const runGet: Run<string, Entry | undefined> = (driver, key, ctx) => driver.get(key, ctx);
const runDelete: Run<string, DriverDeleteResult> = (driver, key, ctx) => driver.delete(key, undefined, ctx);
const prepareTransaction: Prepare<TransactionSpec, NormalizedTransaction> = (store, spec) =>
  normalizeTransaction(spec, store.capabilities, store.backend);
const runTransaction: Run<NormalizedTransaction, TransactionResult> = (driver, txn, ctx) =>
  driver.transaction(txn, ctx);

/**
 * A context for driver work outside a store call, such as connecting in an adapter's `open`: it
 * is cancelled with TIMEOUT when `timeoutMs` passes. Call `done()` when the work is over.
 */
export function timedContext(timeoutMs: number, backend: string): { ctx: CallContext; done: () => void } {
  const ctx = new DriverContext(Date.now() + timeoutMs, true);
  const timer = setTimeout(
    () => ctx.cancel(new StoreError('TIMEOUT', `no answer within ${timeoutMs} ms`, { backend })),
    timeoutMs,
  );
  return { ctx, done: () => clearTimeout(timer) };
}

/** Wraps a driver into a full {@link Store}. Adapters return this from their `open`. */
export function storeFromDriver(driver: Driver, options: DriverStoreOptions = {}): Store {
  return new DriverStore(driver, options.requestTimeoutMs ?? 5000);
}

class DriverStore implements Store {
  readonly backend: string;
  readonly capabilities;
  #closing: Promise<void> | undefined;
  readonly #deadlines = new Deadlines();

  constructor(
    private readonly driver: Driver,
    private readonly requestTimeoutMs: number,
  ) {
    this.backend = driver.backend;
    this.capabilities = driver.capabilities;
  }

  get(key: string, options?: CallOptions): Promise<Entry | undefined> {
    return this.call('read', options, key, prepareKey, runGet);
  }

  async list(prefix: string, options?: ListOptions): Promise<Entry[]> {
    const limit = options?.limit;
    const entries = await this.call(
      'read',
      options,
      prefix,
      (store, p) => {
        checkPrefix(p, store.capabilities, store.backend);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
          throw new StoreError('INVALID_ARGUMENT', `limit must be a positive integer, got ${String(limit)}`, {
            backend: store.backend,
          });
        }
        return p;
      },
      (driver, p, ctx) => driver.list(p, limit, ctx),
    );
    entries.sort((a, b) => compareKeys(a.key, b.key));
    return limit === undefined ? entries : entries.slice(0, limit);
  }

  async put(key: string, value: ValueInput, options?: CallOptions): Promise<{ version: Version }> {
    const result = await this.write(key, value, undefined, options);
    if (!result.ok) {
      throw new StoreError(
        'INTERNAL',
        `unconditional put of ${JSON.stringify(key)} reported a lost comparison`,
        {
          backend: this.backend,
        },
      );
    }
    return { version: result.version };
  }

  putIfAbsent(key: string, value: ValueInput, options?: CallOptions): Promise<CasResult> {
    return this.write(key, value, () => ({ type: 'absent' }), options);
  }

  putIfVersion(
    key: string,
    value: ValueInput,
    ifVersion: Version,
    options?: CallOptions,
  ): Promise<CasResult> {
    return this.write(
      key,
      value,
      () => ({ type: 'version', version: checkVersion(ifVersion, this.backend) }),
      options,
    );
  }

  compareAndSwap(
    key: string,
    expected: ValueInput,
    next: ValueInput,
    options?: CallOptions,
  ): Promise<CasResult> {
    return this.write(
      key,
      next,
      () => ({ type: 'value', value: checkValue(expected, key, this.capabilities, this.backend) }),
      options,
    );
  }

  async delete(key: string, options?: CallOptions): Promise<{ deleted: boolean }> {
    const result = await this.call('write', options, key, prepareKey, runDelete);
    if (!result.ok) {
      throw new StoreError(
        'INTERNAL',
        `unconditional delete of ${JSON.stringify(key)} reported a lost comparison`,
        {
          backend: this.backend,
        },
      );
    }
    return { deleted: result.deleted };
  }

  async deleteIfVersion(key: string, ifVersion: Version, options?: CallOptions): Promise<DeleteIfResult> {
    const result = await this.call(
      'write',
      options,
      key,
      (store, k) => {
        checkKey(k, store.capabilities, store.backend);
        return checkVersion(ifVersion, store.backend);
      },
      (driver, version, ctx) => driver.delete(key, version, ctx),
    );
    return result.ok ? { ok: true } : { ok: false, current: result.current };
  }

  transaction(spec: TransactionSpec, options?: CallOptions): Promise<TransactionResult> {
    // Conditions alone write nothing: such a transaction fails as a read does, never INDETERMINATE.
    const kind: Kind = spec?.operations?.length === 0 ? 'read' : 'write';
    return this.call(kind, options, spec, prepareTransaction, runTransaction);
  }

  async update<T = undefined>(
    keys: readonly string[],
    fn: UpdateFn<T>,
    options?: UpdateOptions,
  ): Promise<UpdateResult<T>> {
    this.assertOpen();
    for (const k of keys) checkKey(k, this.capabilities, this.backend);
    return runUpdate(this, keys, fn, options);
  }

  close(): Promise<void> {
    this.#closing ??= this.driver.close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private write(
    key: string,
    value: ValueInput,
    condition: (() => WriteCondition) | undefined,
    options: CallOptions | undefined,
  ): Promise<CasResult> {
    return this.call(
      'write',
      options,
      key,
      (store, k) => {
        checkKey(k, store.capabilities, store.backend);
        const bytes = checkValue(value, k, store.capabilities, store.backend);
        return { bytes, condition: condition?.() };
      },
      (driver, input, ctx) => driver.put(key, input.bytes, input.condition, ctx),
    );
  }

  private assertOpen(): void {
    if (this.#closing)
      throw new StoreError('CLOSED', `the ${this.backend} store is closed`, { backend: this.backend });
  }

  /**
   * Runs one driver call: validates and prepares first (nothing is sent on bad input), then races
   * the call against its deadline and the caller's signal. A write whose deadline or abort fires
   * after it was handed to the driver may have been applied, so it is INDETERMINATE, never TIMEOUT.
   * One hand-rolled race (see {@link Call}) instead of Promise.race over a second promise, and the
   * deadline watched by the store's one timer (see Deadlines), not a timer per call: this runs on
   * every call, and its cost is most of what strongbox adds to the raw clients.
   */
  private call<A, P, T>(
    kind: Kind,
    options: CallOptions | undefined,
    arg: A,
    prepare: Prepare<A, P>,
    run: Run<P, T>,
  ): Promise<T> {
    const signal = options?.signal;
    let input: P;
    try {
      this.assertOpen();
      if (options?.timeoutMs !== undefined) checkTimeout(options.timeoutMs, this.backend);
      input = prepare(this, arg);
      if (signal?.aborted) {
        throw new StoreError('ABORTED', 'the call was aborted before it was sent', {
          backend: this.backend,
          cause: signal.reason,
        });
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const timeoutMs = options?.timeoutMs ?? this.requestTimeoutMs;
    const call = new Call<T>(
      this.#deadlines,
      this.backend,
      kind,
      timeoutMs,
      options?.timeoutMs !== undefined,
      signal,
    );
    let work: Promise<T>;
    try {
      work = run(this.driver, input, call);
    } catch (err) {
      work = Promise.reject(err);
    }
    call.start(work);
    return call.promise;
  }
}
