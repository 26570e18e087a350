import type { StoreCapabilities } from './capabilities.js';
import type { StoreError } from './errors.js';
import type { CasResult, Entry, TransactionResult } from './types.js';
import type { NormalizedTransaction } from './validate.js';

/** What an adapter receives with every call: already validated input, and the call's deadline. */
export interface CallContext {
  /**
   * Fires when the call's deadline passes or the caller aborts; pass it to a client that takes an
   * AbortSignal. Made on first use: an AbortSignal costs more than the rest of a call's
   * bookkeeping, so on hot paths prefer {@link onCancel}.
   */
  readonly signal: AbortSignal;
  /** Runs `listener` once if the call is given up (deadline or abort); at once if it already was. */
  onCancel(listener: (reason: StoreError) => void): void;
  /**
   * Why the call was given up (its deadline passed or the caller aborted), or undefined while it
   * is still on: the cheap way to check between steps (`signal.aborted` makes the signal).
   */
  readonly cancelled: StoreError | undefined;
  /** When the call gives up, in `Date.now()` milliseconds. */
  readonly deadline: number;
  /** Whether the caller set `timeoutMs` (else the deadline is the store's default). */
  readonly timeoutGiven: boolean;
}

/** The condition of a single-key write. */
export type WriteCondition =
  | { readonly type: 'absent' }
  | { readonly type: 'version'; readonly version: string }
  | { readonly type: 'value'; readonly value: Uint8Array };

/** The result of a driver delete. */
export type DriverDeleteResult =
  | { readonly ok: true; readonly deleted: boolean }
  | { readonly ok: false; readonly current: Entry | undefined };

/**
 * The part of a store an adapter writes. {@link storeFromDriver} wraps it with everything that is
 * the same on every backend: argument and size checks, deadlines, abort, close, and `update`.
 * A driver only talks to its backend and maps the client's errors to {@link StoreError} codes;
 * anything else it throws becomes INTERNAL for reads and INDETERMINATE for writes.
 */
export interface Driver {
  readonly backend: string;
  readonly capabilities: StoreCapabilities;
  get(key: string, ctx: CallContext): Promise<Entry | undefined>;
  /** Entries under `prefix` in key order (the store sorts again by UTF-8 bytes and applies `limit`). */
  list(prefix: string, limit: number | undefined, ctx: CallContext): Promise<Entry[]>;
  /** A write, unconditional when `condition` is undefined. */
  put(
    key: string,
    value: Uint8Array,
    condition: WriteCondition | undefined,
    ctx: CallContext,
  ): Promise<CasResult>;
  /** A delete, conditional on the version when `ifVersion` is given. */
  delete(key: string, ifVersion: string | undefined, ctx: CallContext): Promise<DriverDeleteResult>;
  transaction(txn: NormalizedTransaction, ctx: CallContext): Promise<TransactionResult>;
  /** Releases the connection (and anything the adapter started). Called once. */
  close(): Promise<void>;
}
