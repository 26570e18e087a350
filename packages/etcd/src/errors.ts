import { StoreError } from '@strongbox/core';
import { isBrokenCircuitError } from 'cockatiel';
import {
  ClientClosedError,
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  EtcdRoleNotGrantedError,
  EtcdUserNotFoundError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCInvalidArgumentError,
  GRPCResourceExhastedError,
  GRPCUnauthenticatedError,
  GRPCUnavailableError,
} from 'etcd3';

/** Whether a call only reads (safe to fail as TIMEOUT or retry) or writes (must never be guessed). */
export type CallKind = 'read' | 'write';

const backend = 'etcd';

/**
 * Failures that prove the request never reached etcd's raft log, so a write is definitely not
 * applied and may be sent again. grpc-js phrases the first ones when no transport carried the call;
 * the `etcdserver:` ones are refusals etcd makes before proposing (see etcd's rpctypes/error.go).
 */
const NOT_APPLIED = [
  'No connection established', // picker: no ready subchannel, the call was never written
  'Channel closed before call started',
  'Stream refused by server', // HTTP/2 REFUSED_STREAM: the server did not process the stream
  'Name resolution failed',
  'etcdserver: no leader',
  'etcdserver: not capable',
  'etcdserver: too many requests',
  'etcdserver: mvcc: database space exceeded',
  'etcdserver: rpc not supported for learner',
  'etcdserver: server stopped', // returned before a proposal is accepted; in-flight ones time out instead
  // Permissions changed between authentication and apply: etcd applied the entry as a no-op refusal.
  'etcdserver: revision of auth store is old',
];

/**
 * Deadline errors whose grpc-js details prove the call never left the client: it was still waiting
 * for name resolution, metadata or a connection. Only positive evidence counts: etcd itself answers
 * `context deadline exceeded` when the deadline passes during a proposal, which may still commit.
 */
function deadlineBeforeSend(message: string): boolean {
  return /Waiting for LB pick|waiting for name resolution|waiting for metadata filters/i.test(message);
}

function notApplied(message: string): boolean {
  return NOT_APPLIED.some((m) => message.includes(m));
}

/**
 * Maps anything the etcd3 client throws to a {@link StoreError}: the one place where etcd and
 * gRPC failures get their strongbox codes (etcd3's own `castGrpcError` has already turned the gRPC
 * status into a typed error class; its message keeps etcd's text).
 *
 * - UNAVAILABLE: nothing was applied (no connection, no leader, refused before proposing); for
 *   reads, any loss of connection.
 * - TIMEOUT: a read whose deadline passed, or a write whose deadline passed before it was sent.
 * - INDETERMINATE: a write that may have been applied (connection dropped, leader changed, or
 *   etcd's own proposal timeout, after it was sent).
 * - PERMISSION_DENIED, VALUE_TOO_LARGE (`request is too large`), INVALID_ARGUMENT, INTERNAL.
 */
export function toStoreError(err: unknown, kind: CallKind): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const fail = (code: StoreError['code'], text: string) =>
    new StoreError(code, text, { backend, cause: err });
  const maybeApplied = (what: string) =>
    kind === 'read'
      ? fail('UNAVAILABLE', `etcd is unavailable: ${message}`)
      : fail('INDETERMINATE', `${what}; the write may or may not have been applied: ${message}`);

  if (
    err instanceof EtcdAuthenticationFailedError ||
    err instanceof EtcdPermissionDeniedError ||
    err instanceof EtcdRoleNotGrantedError ||
    err instanceof EtcdUserNotFoundError ||
    err instanceof GRPCUnauthenticatedError ||
    message.includes('etcdserver: authentication is not enabled') ||
    message.includes('etcdserver: user name is empty')
  ) {
    return fail('PERMISSION_DENIED', `etcd refused the credentials or the permission: ${message}`);
  }
  if (message.includes('etcdserver: request is too large')) {
    return fail('VALUE_TOO_LARGE', `etcd refused the request as too large (--max-request-bytes): ${message}`);
  }
  if (isBrokenCircuitError(err) || err instanceof ClientClosedError || notApplied(message)) {
    return fail('UNAVAILABLE', `etcd is unavailable, the request was not applied: ${message}`);
  }
  if (err instanceof GRPCDeadlineExceededError) {
    if (kind === 'read' || deadlineBeforeSend(message))
      return fail('TIMEOUT', `etcd did not answer in time: ${message}`);
    return maybeApplied('the deadline passed after the request was sent');
  }
  if (message.includes('etcdserver: request timed out')) {
    // etcd's own proposal/read-index timeout: the cluster is slow or has lost its quorum.
    return kind === 'read' ? fail('TIMEOUT', `etcd timed out: ${message}`) : maybeApplied('etcd timed out');
  }
  if (err instanceof GRPCUnavailableError || err instanceof GRPCCancelledError) {
    return maybeApplied('the connection to etcd broke');
  }
  if (err instanceof GRPCInvalidArgumentError) {
    return fail('INVALID_ARGUMENT', `etcd refused the request: ${message}`);
  }
  if (err instanceof GRPCResourceExhastedError) {
    return kind === 'read'
      ? fail('INTERNAL', `etcd's answer was refused: ${message}`)
      : maybeApplied('resource exhausted');
  }
  return kind === 'read'
    ? fail('INTERNAL', `unexpected etcd error: ${message}`)
    : maybeApplied('unexpected etcd error');
}
