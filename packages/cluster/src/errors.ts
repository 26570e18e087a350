/** What went wrong in `@strongbox/cluster`; callers switch on this, never on message text. */
export type ClusterErrorCode =
  /** A server binary, jar or Java runtime is missing or the wrong version. */
  | 'SERVER_MISSING'
  /** Downloading or unpacking the Debian packages failed. */
  | 'PROVISION_FAILED'
  /** Options did not validate. */
  | 'INVALID_OPTIONS'
  /** The cluster had no leader, or no quorum write succeeded, before the startup timeout. */
  | 'STARTUP_TIMEOUT'
  /** A server process exited while it was expected to run. */
  | 'PROCESS_EXITED'
  /** No free port could be reserved. */
  | 'NO_FREE_PORT'
  /** An operation does not fit the node's state (e.g. resume of a running node). */
  | 'INVALID_STATE';

/**
 * The one error type thrown by this package. `code` is stable; `message` is for people and
 * includes what was expected and what was found (and, for start-up failures, the node logs).
 */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  readonly code: ClusterErrorCode;
  /** The backend concerned, when there is one. */
  readonly backend: string | undefined;

  constructor(code: ClusterErrorCode, message: string, options: { backend?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.backend = options.backend;
  }
}
