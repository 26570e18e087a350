/**
 * Every failure that is not a lost comparison surfaces as a {@link StoreError} with one of
 * these codes. Callers switch on `code`, never on message text; the codes are stable.
 */
export const errorCodes = [
  /** The backend cannot be reached or has no quorum; the operation did not take effect. */
  'UNAVAILABLE',
  /** The deadline passed before the backend answered; the operation did not take effect (reads, or writes never sent). */
  'TIMEOUT',
  /** The caller's AbortSignal fired before the operation was sent or while a read was in flight. */
  'ABORTED',
  /** A write may or may not have taken effect (the connection broke or the deadline passed after sending). */
  'INDETERMINATE',
  /** A key, prefix, option or transaction is malformed; nothing was sent. */
  'INVALID_ARGUMENT',
  /** The store configuration is invalid; `details` lists every bad field. */
  'INVALID_CONFIG',
  /** A value or transaction is larger than the contract allows; nothing was sent. */
  'VALUE_TOO_LARGE',
  /** The store was closed before the call. */
  'CLOSED',
  /** The backend lacks a capability the caller demanded or an operation needs. */
  'UNSUPPORTED',
  /** The backend refused the credentials or the permission. */
  'PERMISSION_DENIED',
  /** The adapter package for the configured backend is not installed. */
  'ADAPTER_NOT_INSTALLED',
  /** A stored value does not decode or does not match the typed store's schema. */
  'INVALID_VALUE',
  /** A bug or an answer the adapter does not understand; the outcome of a write is then INDETERMINATE instead. */
  'INTERNAL',
] as const;

/** A stable error code: see {@link errorCodes}. */
export type ErrorCode = (typeof errorCodes)[number];

/** One problem found in a config or argument, with where it was found. */
export interface ErrorDetail {
  /** Dotted path of the field, e.g. `etcd.tls.certFile`. */
  path: string;
  message: string;
}

/** Options of {@link StoreError}. */
export interface StoreErrorOptions {
  /** The backend that raised it (`etcd`, `consul`, `zookeeper`, `memory`), when known. */
  backend?: string;
  /** The client's original error. */
  cause?: unknown;
  /** Every bad field, for INVALID_CONFIG and INVALID_ARGUMENT. */
  details?: ErrorDetail[];
}

/**
 * The one error type of strongbox.
 * @example
 * try { await store.put(key, value) } catch (e) {
 *   if (e instanceof StoreError && e.code === 'INDETERMINATE') await reconcile(key)
 * }
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: ErrorCode;
  readonly backend: string | undefined;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message: string, options: StoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.backend = options.backend;
    this.details = options.details ?? [];
  }
}

/** True when `err` is a {@link StoreError}, optionally with one of the given codes. */
export function isStoreError(err: unknown, ...codes: ErrorCode[]): err is StoreError {
  return err instanceof StoreError && (codes.length === 0 || codes.includes(err.code));
}
