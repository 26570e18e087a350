import type { StoreCapabilities } from './capabilities.js';

/**
 * An opaque version token. A successful write returns a new one; it is never reused for a key,
 * not even after the key is deleted and created again. Compare tokens only for equality.
 */
export type Version = string;

/** A value as accepted by writes: bytes, or a string stored as UTF-8. */
export type ValueInput = Uint8Array | string;

/** A key with its value and the version of the write that stored it. */
export interface Entry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly version: Version;
}

/** Options every call takes. */
export interface CallOptions {
  /** Give up after this many milliseconds. @default the store's `requestTimeoutMs` */
  timeoutMs?: number;
  /** Abort the call. A write aborted after it was sent fails with INDETERMINATE. */
  signal?: AbortSignal;
}

/** Options of {@link Store.list}. */
export interface ListOptions extends CallOptions {
  /** Return at most this many entries (the first ones by key). */
  limit?: number;
}

/** The result of a conditional write: the new version, or the entry that made the comparison lose. */
export type CasResult =
  | { readonly ok: true; readonly version: Version }
  /**
   * `current` is the entry read when the comparison lost (`undefined`: the key was absent). Some
   * backends read it right after the failed write; it may already have changed again.
   */
  | { readonly ok: false; readonly current: Entry | undefined };

/** The result of {@link Store.deleteIfVersion}. */
export type DeleteIfResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly current: Entry | undefined };

/** A condition of a {@link TransactionSpec}; all must hold for the operations to apply. */
export type Condition =
  | { readonly type: 'version'; readonly key: string; readonly version: Version }
  | { readonly type: 'value'; readonly key: string; readonly value: ValueInput }
  | { readonly type: 'absent'; readonly key: string }
  | { readonly type: 'present'; readonly key: string };

/** A write of a {@link TransactionSpec}. */
export type Operation =
  | { readonly type: 'put'; readonly key: string; readonly value: ValueInput }
  | { readonly type: 'delete'; readonly key: string };

/** An all-or-nothing transaction: if every condition holds, every operation applies; else none does. */
export interface TransactionSpec {
  readonly conditions?: readonly Condition[];
  readonly operations: readonly Operation[];
}

/** The result of a transaction: the new version of every key it put, or `ok: false` when a condition failed. */
export type TransactionResult =
  | { readonly ok: true; readonly versions: ReadonlyMap<string, Version> }
  | { readonly ok: false };

/** What an {@link Store.update} callback decides: the writes to commit, and a result to hand back. */
export interface UpdatePlan<T> {
  readonly operations: readonly Operation[];
  readonly result?: T;
}

/** Options of {@link Store.update}. */
export interface UpdateOptions extends CallOptions {
  /** Give up after this many attempts. @default 10 */
  maxAttempts?: number;
  /** First retry delay; it doubles each attempt, with jitter. @default 5 */
  initialBackoffMs?: number;
  /** Largest retry delay. @default 250 */
  maxBackoffMs?: number;
}

/** The result of {@link Store.update}. */
export type UpdateResult<T> =
  | {
      readonly ok: true;
      readonly attempts: number;
      readonly versions: ReadonlyMap<string, Version>;
      readonly result: T | undefined;
    }
  /** `declined`: the callback returned nothing. `conflict`: every attempt lost to a concurrent write. */
  | { readonly ok: false; readonly reason: 'declined' | 'conflict'; readonly attempts: number };

/** The callback of {@link Store.update}: sees the keys as read (absent: `undefined`), returns a plan or declines. */
export type UpdateFn<T> = (
  current: ReadonlyMap<string, Entry | undefined>,
  attempt: number,
) => UpdatePlan<T> | undefined | Promise<UpdatePlan<T> | undefined>;

/**
 * The strongbox contract: one strongly consistent key-value store with compare-and-swap.
 * A lost comparison is a result (`ok: false`); every other failure is a {@link StoreError}.
 * docs/contract.md states every rule.
 */
export interface Store extends AsyncDisposable {
  /** The backend behind it: `etcd`, `consul`, `zookeeper` or `memory`. */
  readonly backend: string;
  /** What this store provides. */
  readonly capabilities: StoreCapabilities;
  /** The entry at `key`, or `undefined` when absent. Linearizable where `capabilities.readConsistency` says so. */
  get(key: string, options?: CallOptions): Promise<Entry | undefined>;
  /** Every entry whose key starts with `prefix` (may be empty), sorted by the keys' UTF-8 bytes. */
  list(prefix: string, options?: ListOptions): Promise<Entry[]>;
  /** Writes unconditionally and returns the new version. */
  put(key: string, value: ValueInput, options?: CallOptions): Promise<{ version: Version }>;
  /** Writes only if the key is absent. */
  putIfAbsent(key: string, value: ValueInput, options?: CallOptions): Promise<CasResult>;
  /** Writes only if the key's current version is `ifVersion`. */
  putIfVersion(key: string, value: ValueInput, ifVersion: Version, options?: CallOptions): Promise<CasResult>;
  /** Writes `next` only if the key holds exactly `expected`; an absent key never matches. */
  compareAndSwap(
    key: string,
    expected: ValueInput,
    next: ValueInput,
    options?: CallOptions,
  ): Promise<CasResult>;
  /** Deletes the key; says whether it was there. */
  delete(key: string, options?: CallOptions): Promise<{ deleted: boolean }>;
  /** Deletes the key only if its current version is `ifVersion`. */
  deleteIfVersion(key: string, ifVersion: Version, options?: CallOptions): Promise<DeleteIfResult>;
  /** Applies every operation if every condition holds, atomically; else nothing. */
  transaction(spec: TransactionSpec, options?: CallOptions): Promise<TransactionResult>;
  /**
   * Optimistic read-modify-write over several keys: reads them, lets `fn` plan the writes, commits
   * only if none of the keys changed, else re-reads and retries with backoff.
   */
  update<T = undefined>(
    keys: readonly string[],
    fn: UpdateFn<T>,
    options?: UpdateOptions,
  ): Promise<UpdateResult<T>>;
  /** Closes the connection; later calls fail with CLOSED. Idempotent. */
  close(): Promise<void>;
}
