import { StoreError } from '@strongbox/core';
import { Exception } from 'node-zookeeper-client';

/** What the adapter knew about a failed request when it failed. */
export interface FailureContext {
  /** The request changes data (a failed read can simply be retried). */
  readonly write: boolean;
  /** The request was handed to a connected socket, so the server may have received it. */
  readonly sent: boolean;
}

/** The ZooKeeper error code of a client error, if it is one. */
export function zkCode(err: unknown): number | undefined {
  if (err instanceof Exception) return err.getCode();
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && err instanceof Error && err.name !== 'StoreError' ? code : undefined;
}

/** Connection-level failures: the request may have been lost anywhere between client and leader. */
export function isConnectionFailure(err: unknown): boolean {
  const code = zkCode(err);
  return (
    code === Exception.CONNECTION_LOSS ||
    code === Exception.SESSION_EXPIRED ||
    code === Exception.OPERATION_TIMEOUT
  );
}

/**
 * The one place where node-zookeeper-client errors become {@link StoreError} codes.
 *
 * A write that reached a connected socket and then lost its connection or session may have been
 * committed: INDETERMINATE. The same failure before anything was sent, or on a read, is UNAVAILABLE.
 * Any error the server answered with means the request was refused whole (a multi is all or
 * nothing), so it maps to a definite code even for writes. Node-level results (NO_NODE,
 * NODE_EXISTS, BAD_VERSION) never get here: the driver treats them as lost comparisons.
 */
export function castZkError(err: unknown, ctx: FailureContext): StoreError {
  if (err instanceof StoreError) return err;
  const backend = 'zookeeper';
  const code = zkCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (isConnectionFailure(err)) {
    if (ctx.write && ctx.sent) {
      return new StoreError(
        'INDETERMINATE',
        `the connection to ZooKeeper broke after the write was sent: ${message}`,
        {
          backend,
          cause: err,
        },
      );
    }
    return new StoreError('UNAVAILABLE', `ZooKeeper is unreachable: ${message}`, { backend, cause: err });
  }
  switch (code) {
    case Exception.NO_AUTH:
    case Exception.AUTH_FAILED:
    case Exception.INVALID_ACL:
      return new StoreError('PERMISSION_DENIED', `ZooKeeper refused the request: ${message}`, {
        backend,
        cause: err,
      });
    case Exception.BAD_ARGUMENTS:
      return new StoreError('INVALID_ARGUMENT', `ZooKeeper rejected the arguments: ${message}`, {
        backend,
        cause: err,
      });
    case undefined:
      // Not a ZooKeeper answer: the client threw before sending (an assertion) or a bug here.
      return new StoreError(
        ctx.write && ctx.sent ? 'INDETERMINATE' : 'INTERNAL',
        `ZooKeeper client error: ${message}`,
        {
          backend,
          cause: err,
        },
      );
    default:
      return new StoreError('INTERNAL', `unexpected ZooKeeper error: ${message}`, { backend, cause: err });
  }
}
