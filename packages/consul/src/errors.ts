import { StoreError } from '@strongbox/core';

/** Whether a failed request was a read (safe to repeat) or a write (its outcome matters). */
export type RequestKind = 'read' | 'write';

/** One error of a rejected Consul transaction (HTTP 409). */
export interface TxnError {
  readonly OpIndex: number;
  readonly What: string;
}

// Node's socket errors raised while connecting: the request never left this process, so nothing
// can have been applied and another endpoint may be tried.
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Consul answers that prove an RPC never reached Raft: there was no leader to forward it to, or
 * the server could not open a connection to the leader.
 */
const NOT_FORWARDED = /no cluster leader|rpc error getting client: failed to get conn/i;
const PERMISSION = /permission denied|acl not found/i;
const ABSENT = /doesn't exist/;

interface ClientErrorShape {
  code?: unknown;
  message?: unknown;
  isResponse?: unknown;
  response?: { statusCode?: unknown; body?: unknown };
}

function responseText(err: ClientErrorShape): string {
  const body = err.response?.body;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return typeof err.message === 'string' ? err.message : '';
}

/** The HTTP status of a client error, when Consul answered. */
export function statusOf(err: unknown): number | undefined {
  const e = err as ClientErrorShape;
  const status = e?.isResponse === true ? e.response?.statusCode : undefined;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The one place where the `consul` client's failures become {@link StoreError} codes (as etcd3's
 * castGrpcError). A write is UNAVAILABLE only when it provably never reached Raft (the connection
 * was refused, or Consul said it has no leader); anything that may have been sent and then went
 * wrong is INDETERMINATE. The client never retries on its own (papi has no retry middleware and
 * Node's http agent does not resend), so an error here is the first and only attempt.
 */
export function castConsulError(err: unknown, kind: RequestKind, endpoint: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = (err ?? {}) as ClientErrorShape;
  // Keep the client's error as the cause, but not its whole socket graph in every log line.
  if (e.response !== undefined) Object.defineProperty(e, 'response', { enumerable: false });
  const backend = 'consul';
  const status = statusOf(err);
  const where = `consul at ${endpoint}`;
  if (status !== undefined) {
    const text = responseText(e).trim().slice(0, 300);
    const said = `${where} answered ${status}: ${text}`;
    if (status === 403 || PERMISSION.test(text))
      return new StoreError('PERMISSION_DENIED', said, { backend, cause: err });
    if (status === 413) return new StoreError('VALUE_TOO_LARGE', said, { backend, cause: err });
    if (status === 400) return new StoreError('INVALID_ARGUMENT', said, { backend, cause: err });
    // 429: the agent's rate limiter refused the request before handling it.
    if (status === 429 || NOT_FORWARDED.test(text))
      return new StoreError('UNAVAILABLE', said, { backend, cause: err });
    if (kind === 'read') {
      return new StoreError(status >= 500 ? 'UNAVAILABLE' : 'INTERNAL', said, { backend, cause: err });
    }
    // A 5xx on a write can come after Raft accepted the entry (leadership lost while committing,
    // timed out enqueuing, forwarding broke mid-call): its outcome is unknown.
    return new StoreError('INDETERMINATE', `the write may or may not have been applied: ${said}`, {
      backend,
      cause: err,
    });
  }
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (code !== undefined && CONNECT_ERRORS.has(code)) {
    return new StoreError('UNAVAILABLE', `cannot reach ${where}: ${message}`, { backend, cause: err });
  }
  if (code !== undefined && /^E[A-Z]+$/.test(code)) {
    // ECONNRESET, EPIPE, "socket hang up", ETIMEDOUT: the connection broke after it was made,
    // possibly after the request was received.
    return kind === 'read'
      ? new StoreError('UNAVAILABLE', `connection to ${where} failed: ${message}`, { backend, cause: err })
      : new StoreError(
          'INDETERMINATE',
          `connection to ${where} broke, the write may have been applied: ${message}`,
          {
            backend,
            cause: err,
          },
        );
  }
  return kind === 'read'
    ? new StoreError('INTERNAL', `unexpected error from ${where}: ${message}`, { backend, cause: err })
    : new StoreError(
        'INDETERMINATE',
        `unexpected error from ${where}, the write may have been applied: ${message}`,
        {
          backend,
          cause: err,
        },
      );
}

/**
 * Classifies the errors of a rejected transaction: `absent` when every error says a key does not
 * exist, `denied` when an ACL refused an operation, else `failed` (a check did not hold).
 */
export function classifyTxnErrors(errors: readonly TxnError[]): 'absent' | 'denied' | 'failed' {
  if (errors.some((x) => PERMISSION.test(x.What))) return 'denied';
  if (errors.length > 0 && errors.every((x) => ABSENT.test(x.What))) return 'absent';
  return 'failed';
}

/** The error for a transaction that an ACL refused: nothing was applied. */
export function deniedError(errors: readonly TxnError[]): StoreError {
  const what = errors.map((x) => x.What).join('; ');
  return new StoreError('PERMISSION_DENIED', `consul refused the transaction: ${what}`, {
    backend: 'consul',
  });
}

/** The error for a transaction Consul refused (409) for a reason the caller did not expect: nothing was applied. */
export function unexpectedTxnError(errors: readonly TxnError[]): StoreError {
  if (classifyTxnErrors(errors) === 'denied') return deniedError(errors);
  const what = errors.map((e) => `op ${e.OpIndex}: ${e.What}`).join('; ');
  return new StoreError('INTERNAL', `consul rejected the request: ${what}`, { backend: 'consul' });
}
