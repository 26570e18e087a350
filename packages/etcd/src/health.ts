import { BrokenCircuitError, type IDefaultPolicyContext, type IPolicy, noop } from 'cockatiel';
import { GRPCCancelledError } from 'etcd3';

/** The details of the grpc status with which a call is cancelled because its deadline passed. */
export const DEADLINE_CANCEL = 'strongbox: the deadline passed';

/** A call cancelled by its deadline after this long means the member did not answer at all. */
const HUNG_MS = 500;
/** How long a hung member is avoided before one call is let through to try it again. */
export const AVOID_MS = 5_000;

/**
 * Steers calls away from members that hang. A member that accepts requests but never answers (a
 * paused process, a black-holed network) would otherwise hold every call that etcd3's random
 * member choice sends to it until the call's deadline. When a call to a member ran into its
 * deadline after at least {@link HUNG_MS}, the member is avoided for {@link AVOID_MS}: etcd3 then
 * moves such a call to the next member before sending anything. It only ever skips a member while
 * another one is not avoided, so it never fails a call by itself; a slow cluster as a whole is
 * used as before. A reply from the member ends the avoidance.
 */
export class MemberHealth {
  readonly #avoidUntil = new Map<string, number>();
  /**
   * The member a call is being sent to, while its policy runs the call's synchronous first steps:
   * etcd3 creates the grpc call, and with it strongbox's interceptor, in those steps.
   */
  sending: string | undefined;

  /** etcd3's per-member policy (`faultHandling.host`), in place of its circuit breaker. */
  policy(member: string): IPolicy {
    this.#avoidUntil.set(member, 0);
    return new MemberPolicy(this, member);
  }

  /** Whether a call to `member` should go elsewhere now. */
  avoid(member: string, now: number): boolean {
    if ((this.#avoidUntil.get(member) ?? 0) <= now) return false;
    for (const [other, until] of this.#avoidUntil) if (other !== member && until <= now) return true;
    return false;
  }

  /**
   * A call sent to `member` at `started` ran into its deadline. Called as the call is cancelled, so
   * the caller's next call, which may start as soon as this one fails, already avoids the member.
   */
  deadlinePassed(member: string, started: number): void {
    const now = Date.now();
    if (now - started >= HUNG_MS) this.#avoidUntil.set(member, now + AVOID_MS);
  }

  answered(member: string): void {
    this.#avoidUntil.set(member, 0);
  }
}

/** The signal of a policy context nobody aborts. */
const NEVER = new AbortController().signal;

class MemberPolicy implements IPolicy {
  declare readonly _altReturn: never;
  // Events of a policy that never fails a call by itself: nothing is ever emitted on them.
  readonly onSuccess = noop.onSuccess;
  readonly onFailure = noop.onFailure;

  constructor(
    private readonly health: MemberHealth,
    private readonly member: string,
  ) {}

  execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    const started = Date.now();
    // Refused before `fn` runs, etcd3 takes this as "not sent" and tries the next member.
    if (this.health.avoid(this.member, started)) return Promise.reject(new BrokenCircuitError());
    let pending: Promise<T>;
    this.health.sending = this.member;
    const stackLimit = Error.stackTraceLimit;
    // grpc-js captures a stack trace (`new Error()`) in every call it creates, to decorate errors
    // it may report later; with strongbox's calls on the stack that capture costs more than the
    // rest of strongbox's work per call. Every grpc error becomes a StoreError with a stack of its
    // own, so none is captured while `fn` creates the call (synchronously; restored right after).
    Error.stackTraceLimit = 0;
    try {
      // `fn` straight away: cockatiel's no-op policy would wrap every call in two async layers.
      pending = Promise.resolve(fn({ signal: signal ?? NEVER }));
    } catch (err) {
      pending = Promise.reject(err);
    } finally {
      Error.stackTraceLimit = stackLimit;
      this.health.sending = undefined;
    }
    return pending.then(
      (result) => {
        this.health.answered(this.member);
        return result;
      },
      (err: unknown) => {
        if (err instanceof GRPCCancelledError) {
          // Usually noted already, as the call was cancelled (see `deadlinePassed`).
          if (err.message.includes(DEADLINE_CANCEL)) this.health.deadlinePassed(this.member, started);
        } else {
          // etcd (or grpc) answered, even if with an error: the member is not hung.
          this.health.answered(this.member);
        }
        throw err;
      },
    );
  }
}
