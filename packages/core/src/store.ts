import { performance } from 'node:perf_hooks';
import { compareKeys } from './bytes.js';
import { Deadlines, type PendingDeadline } from './deadlines.js';
import type { CallContext, Driver, WriteCondition } from './driver.js';
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
  normalizeTransaction,
} from './validate.js';

/** Options of {@link storeFromDriver}. */
export interface DriverStoreOptions {
  /** Deadline of a call that gives none. @default 5000 */
  requestTimeoutMs?: number;
}

type Kind = 'read' | 'write';

/** A call's context: the AbortSignal and the listener list are only made when a driver asks. */
class Context implements CallContext {
  #controller: AbortController | undefined;
  #listeners: Array<(reason: StoreError) => void> | undefined;
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
    this.#listeners ??= [];
    this.#listeners.push(listener);
  }

  cancel(reason: StoreError): void {
    this.#reason = reason;
    this.#controller?.abort(reason);
    for (const l of this.#listeners ?? []) l(reason);
  }
}

/**
 * A context for driver work outside a store call, such as connecting in an adapter's `open`: it
 * is cancelled with TIMEOUT when `timeoutMs` passes. Call `done()` when the work is over.
 */
export function timedContext(timeoutMs: number, backend: string): { ctx: CallContext; done: () => void } {
  const ctx = new Context(Date.now() + timeoutMs, true);
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
    return this.call(
      'read',
      options,
      () => checkKey(key, this.capabilities, this.backend),
      (ctx) => this.driver.get(key, ctx),
    );
  }

  async list(prefix: string, options?: ListOptions): Promise<Entry[]> {
    const limit = options?.limit;
    const entries = await this.call(
      'read',
      options,
      () => {
        checkPrefix(prefix, this.capabilities, this.backend);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
          throw new StoreError('INVALID_ARGUMENT', `limit must be a positive integer, got ${String(limit)}`, {
            backend: this.backend,
          });
        }
      },
      (ctx) => this.driver.list(prefix, limit, ctx),
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
    const result = await this.call(
      'write',
      options,
      () => checkKey(key, this.capabilities, this.backend),
      (ctx) => this.driver.delete(key, undefined, ctx),
    );
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
      () => {
        checkKey(key, this.capabilities, this.backend);
        checkVersion(ifVersion, this.backend);
      },
      (ctx) => this.driver.delete(key, ifVersion, ctx),
    );
    return result.ok ? { ok: true } : { ok: false, current: result.current };
  }

  transaction(spec: TransactionSpec, options?: CallOptions): Promise<TransactionResult> {
    let txn: ReturnType<typeof normalizeTransaction> | undefined;
    // Conditions alone write nothing: such a transaction fails as a read does, never INDETERMINATE.
    const kind: Kind = spec?.operations?.length === 0 ? 'read' : 'write';
    return this.call(
      kind,
      options,
      () => {
        txn = normalizeTransaction(spec, this.capabilities, this.backend);
      },
      (ctx) => this.driver.transaction(txn as NonNullable<typeof txn>, ctx),
    );
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
    let bytes: Uint8Array | undefined;
    let cond: WriteCondition | undefined;
    return this.call(
      'write',
      options,
      () => {
        checkKey(key, this.capabilities, this.backend);
        bytes = checkValue(value, key, this.capabilities, this.backend);
        cond = condition?.();
      },
      (ctx) => this.driver.put(key, bytes as Uint8Array, cond, ctx),
    );
  }

  private assertOpen(): void {
    if (this.#closing)
      throw new StoreError('CLOSED', `the ${this.backend} store is closed`, { backend: this.backend });
  }

  /**
   * Runs one driver call: validates first (nothing is sent on bad input), then races the call
   * against its deadline and the caller's signal. A write whose deadline or abort fires after it
   * was handed to the driver may have been applied, so it is INDETERMINATE, never TIMEOUT.
   */
  private call<T>(
    kind: Kind,
    options: CallOptions | undefined,
    validate: () => unknown,
    run: (ctx: CallContext) => Promise<T>,
  ): Promise<T> {
    const signal = options?.signal;
    try {
      this.assertOpen();
      if (options?.timeoutMs !== undefined) checkTimeout(options.timeoutMs, this.backend);
      validate();
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
    // One hand-rolled race instead of Promise.race over a second promise: this runs on every call,
    // and its cost is most of what strongbox adds to the raw clients (see the adapters' benches).
    // The deadline is watched by the store's one timer (see Deadlines), not a timer per call.
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = () => {
        settled = true;
        this.#deadlines.delete(pending);
        signal?.removeEventListener('abort', onAbort);
      };
      const fire = (make: () => StoreError) => {
        if (settled) return;
        settle();
        const err = make();
        ctx.cancel(err);
        reject(this.classify(err, kind, err));
      };
      const pending: PendingDeadline = {
        at: performance.now() + timeoutMs,
        expire: () =>
          fire(
            () => new StoreError('TIMEOUT', `no answer within ${timeoutMs} ms`, { backend: this.backend }),
          ),
      };
      this.#deadlines.add(pending);
      const onAbort = () =>
        fire(
          () =>
            new StoreError('ABORTED', 'the call was aborted', {
              backend: this.backend,
              cause: signal?.reason,
            }),
        );
      signal?.addEventListener('abort', onAbort, { once: true });
      const ctx = new Context(Date.now() + timeoutMs, options?.timeoutMs !== undefined);
      let work: Promise<T>;
      try {
        work = run(ctx);
      } catch (err) {
        work = Promise.reject(err);
      }
      // After the deadline wins, the driver's late answer or error is observed and dropped here.
      work.then(
        (value) => {
          if (settled) return;
          settle();
          resolve(value);
        },
        (err: unknown) => {
          if (settled) return;
          settle();
          reject(this.classify(err, kind, undefined));
        },
      );
    });
  }

  private classify(err: unknown, kind: Kind, fired: StoreError | undefined): StoreError {
    const backend = this.backend;
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
}
