import type { z } from 'zod';
import { toBytes, toText } from './bytes.js';
import { StoreError } from './errors.js';
import type { CallOptions, Condition, Entry, Operation, Store, UpdateOptions, Version } from './types.js';

/** An entry of a {@link TypedStore}: its value decoded and validated. */
export interface TypedEntry<T> {
  readonly key: string;
  readonly value: T;
  readonly version: Version;
}

/** The result of a typed conditional write. */
export type TypedCasResult<T> =
  | { readonly ok: true; readonly version: Version }
  | { readonly ok: false; readonly current: TypedEntry<T> | undefined };

/** A typed transaction's writes. */
export type TypedOperation<T> = { type: 'put'; key: string; value: T } | { type: 'delete'; key: string };

/** A typed transaction's conditions; a value condition compares canonical JSON. */
export type TypedCondition<T> =
  | Exclude<Condition, { type: 'value' }>
  | { type: 'value'; key: string; value: T };

/** What a typed update callback decides. */
export interface TypedUpdatePlan<T, R> {
  operations: TypedOperation<T>[];
  result?: R;
}

/**
 * JSON with object keys sorted, so equal values always encode to equal bytes and a value CAS
 * compares meaning, not key order.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`${v} is not valid JSON`);
    if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') {
      throw new TypeError(`a ${typeof v} is not valid JSON`);
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return v;
  });
}

/**
 * A store of JSON values validated by a zod schema: every write is validated before it is sent
 * (INVALID_ARGUMENT), every read is decoded and validated (INVALID_VALUE when stored data does
 * not match). Keys, versions and errors are those of the underlying store.
 */
export class TypedStore<S extends z.ZodType> {
  constructor(
    /** The underlying byte store. */
    readonly store: Store,
    private readonly schema: S,
  ) {}

  /** Validates and encodes a value (the schema's output is what gets stored). */
  encode(value: z.input<S>, key: string): Uint8Array {
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(value)',
        message: i.message,
      }));
      throw new StoreError(
        'INVALID_ARGUMENT',
        `value for key ${JSON.stringify(key)} does not match the schema: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        { backend: this.store.backend, details, cause: parsed.error },
      );
    }
    try {
      return toBytes(canonicalJson(parsed.data));
    } catch (err) {
      throw new StoreError(
        'INVALID_ARGUMENT',
        `value for key ${JSON.stringify(key)} is not JSON: ${String(err)}`,
        {
          backend: this.store.backend,
          cause: err,
        },
      );
    }
  }

  /** Decodes and validates a stored entry. */
  decode(entry: Entry): TypedEntry<z.output<S>> {
    let json: unknown;
    try {
      json = JSON.parse(toText(entry.value));
    } catch (err) {
      throw new StoreError('INVALID_VALUE', `key ${JSON.stringify(entry.key)} does not hold UTF-8 JSON`, {
        backend: this.store.backend,
        cause: err,
      });
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success) {
      throw new StoreError(
        'INVALID_VALUE',
        `key ${JSON.stringify(entry.key)} holds a value the schema rejects`,
        {
          backend: this.store.backend,
          cause: parsed.error,
        },
      );
    }
    return { key: entry.key, value: parsed.data, version: entry.version };
  }

  private decodeMaybe(entry: Entry | undefined): TypedEntry<z.output<S>> | undefined {
    return entry === undefined ? undefined : this.decode(entry);
  }

  private cas(r: Awaited<ReturnType<Store['putIfAbsent']>>): TypedCasResult<z.output<S>> {
    return r.ok ? r : { ok: false, current: this.decodeMaybe(r.current) };
  }

  async get(key: string, options?: CallOptions): Promise<TypedEntry<z.output<S>> | undefined> {
    return this.decodeMaybe(await this.store.get(key, options));
  }

  async list(prefix: string, options?: CallOptions & { limit?: number }): Promise<TypedEntry<z.output<S>>[]> {
    return (await this.store.list(prefix, options)).map((e) => this.decode(e));
  }

  async put(key: string, value: z.input<S>, options?: CallOptions): Promise<{ version: Version }> {
    return this.store.put(key, this.encode(value, key), options);
  }

  async putIfAbsent(
    key: string,
    value: z.input<S>,
    options?: CallOptions,
  ): Promise<TypedCasResult<z.output<S>>> {
    return this.cas(await this.store.putIfAbsent(key, this.encode(value, key), options));
  }

  async putIfVersion(
    key: string,
    value: z.input<S>,
    ifVersion: Version,
    options?: CallOptions,
  ): Promise<TypedCasResult<z.output<S>>> {
    return this.cas(await this.store.putIfVersion(key, this.encode(value, key), ifVersion, options));
  }

  /** Swaps when the stored value's canonical JSON equals `expected`'s. */
  async compareAndSwap(
    key: string,
    expected: z.input<S>,
    next: z.input<S>,
    options?: CallOptions,
  ): Promise<TypedCasResult<z.output<S>>> {
    return this.cas(
      await this.store.compareAndSwap(key, this.encode(expected, key), this.encode(next, key), options),
    );
  }

  async delete(key: string, options?: CallOptions): Promise<{ deleted: boolean }> {
    return this.store.delete(key, options);
  }

  async deleteIfVersion(key: string, ifVersion: Version, options?: CallOptions) {
    const r = await this.store.deleteIfVersion(key, ifVersion, options);
    return r.ok ? r : { ok: false as const, current: this.decodeMaybe(r.current) };
  }

  private operations(ops: readonly TypedOperation<z.input<S>>[]): Operation[] {
    return ops.map((o) =>
      o.type === 'put' ? { type: 'put', key: o.key, value: this.encode(o.value, o.key) } : o,
    );
  }

  async transaction(
    spec: { conditions?: TypedCondition<z.input<S>>[]; operations: TypedOperation<z.input<S>>[] },
    options?: CallOptions,
  ) {
    const conditions = (spec.conditions ?? []).map(
      (c): Condition =>
        c.type === 'value' ? { type: 'value', key: c.key, value: this.encode(c.value, c.key) } : c,
    );
    return this.store.transaction({ conditions, operations: this.operations(spec.operations) }, options);
  }

  /** {@link Store.update} with decoded values. */
  async update<R = undefined>(
    keys: readonly string[],
    fn: (
      current: ReadonlyMap<string, TypedEntry<z.output<S>> | undefined>,
      attempt: number,
    ) => TypedUpdatePlan<z.input<S>, R> | undefined | Promise<TypedUpdatePlan<z.input<S>, R> | undefined>,
    options?: UpdateOptions,
  ) {
    return this.store.update<R>(
      keys,
      async (current, attempt) => {
        const decoded = new Map([...current].map(([k, e]) => [k, this.decodeMaybe(e)]));
        const plan = await fn(decoded, attempt);
        if (plan === undefined) return undefined;
        const operations = this.operations(plan.operations);
        return plan.result === undefined ? { operations } : { operations, result: plan.result };
      },
      options,
    );
  }

  close(): Promise<void> {
    return this.store.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.store.close();
  }
}

/**
 * A typed view of `store` whose values are JSON validated by `schema`.
 * @example
 * const channels = typed(store, z.object({ nonce: z.number(), amount: z.bigint().transform(String) }));
 */
export function typed<S extends z.ZodType>(store: Store, schema: S): TypedStore<S> {
  return new TypedStore(store, schema);
}
