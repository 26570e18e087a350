import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { type CallOptions, InterceptingCall, type Interceptor, status } from '@grpc/grpc-js';
import type { CallContext, ResolvedStoreConfig, StoreError } from '@strongbox/core';
import { noop } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';
import { type CallKind, toStoreError } from './errors.js';
import { DEADLINE_CANCEL, MemberHealth } from './health.js';

/** etcd's usual local client address. */
export const DEFAULT_ENDPOINT = '127.0.0.1:2379';

/**
 * Builds the etcd3 client options from a store config.
 *
 * etcd3 wraps every call in a cockatiel `global` policy that retries "recoverable" errors
 * (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, INTERNAL, UNKNOWN, ABORTED, RESOURCE_EXHAUSTED) up to
 * three times, and a per-host circuit breaker. Those retries would re-send a write after a dropped
 * connection or an expired deadline, when etcd may already have applied it: a payment could be
 * accepted twice. The retry is replaced by a no-op, the breaker by {@link MemberHealth} (which only
 * steers calls away from hung members before they are sent); {@link EtcdConnection.run} retries
 * only what provably did not apply. (etcd3 still re-sends a call once after `invalid auth token`,
 * which etcd returns before proposing anything, so that retry is safe.)
 */
function clientOptions(
  config: ResolvedStoreConfig,
  endpoints: readonly string[],
  health: MemberHealth,
): IOptions {
  const tls = config.etcd?.tls;
  const hosts = endpoints.map((e) => (tls !== undefined && !/^https?:\/\//.test(e) ? `https://${e}` : e));
  const options: IOptions = {
    hosts,
    faultHandling: { global: noop, host: (member) => health.policy(member) },
    grpcOptions: {
      // A list of many 256 KiB values exceeds grpc's default 4 MiB answer limit.
      'grpc.max_receive_message_length': -1,
      // Reconnect to a restarted member within seconds, not grpc's default of up to two minutes.
      'grpc.max_reconnect_backoff_ms': Math.min(5_000, config.connectTimeoutMs),
      'grpc.initial_reconnect_backoff_ms': 200,
    },
  };
  if (tls !== undefined) {
    const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
    // grpc's createSsl takes null for "use the system roots", which etcd3's type does not spell.
    options.credentials = {
      rootCertificate: read(tls.caFile) as Buffer,
      ...(tls.keyFile === undefined ? {} : { privateKey: read(tls.keyFile) as Buffer }),
      ...(tls.certFile === undefined ? {} : { certChain: read(tls.certFile) as Buffer }),
    };
  }
  const etcd = config.etcd;
  if (etcd?.username !== undefined && etcd.password !== undefined) {
    options.auth = {
      username: etcd.username,
      password: etcd.password,
      callOptions: () => ({ deadline: Date.now() + config.connectTimeoutMs }),
    };
  }
  return options;
}

/**
 * A grpc interceptor that cancels the call when the store gives it up: etcd sees the stream reset
 * and stops working on it. This is also how a call's deadline reaches etcd: the store cancels the
 * context when the deadline passes, so a grpc deadline of its own would only add a second timer per
 * call. (`onCancel`, not `ctx.signal`: an AbortSignal per call costs more than the rest of it.)
 */
function cancelOn(ctx: CallContext, health: MemberHealth): Interceptor {
  return (options, nextCall) => {
    const call = new InterceptingCall(nextCall(options));
    const member = health.sending;
    const started = Date.now();
    ctx.onCancel((reason) => {
      const deadline = reason.code === 'TIMEOUT';
      if (deadline && member !== undefined) health.deadlinePassed(member, started);
      call.cancelWithStatus(status.CANCELLED, deadline ? DEADLINE_CANCEL : 'strongbox: the call was aborted');
    });
    return call;
  };
}

/** Longest pause between two attempts of a call that was refused without effect. */
const MAX_BACKOFF_MS = 250;
/**
 * An attempt is not started this close to the deadline: the store's own timer would win the race,
 * and a write then reports INDETERMINATE although the last failure proved nothing was applied.
 */
const DEADLINE_MARGIN_MS = 25;

/**
 * The etcd3 client with the call discipline strongbox needs: every call is cancelled when its
 * deadline passes or the caller aborts; a call is sent again (to a random member, with backoff, while
 * its deadline allows) only when its failure proves it was not applied.
 */
export class EtcdConnection {
  readonly client: Etcd3;
  /**
   * Each attempt goes to a random member; a few per member find a live one when some are down,
   * while a cluster without a leader still fails fast (UNAVAILABLE) instead of at the deadline.
   */
  readonly #maxAttempts: number;

  readonly #health = new MemberHealth();

  constructor(config: ResolvedStoreConfig, endpoints: readonly string[]) {
    this.client = new Etcd3(clientOptions(config, endpoints, this.#health));
    this.#maxAttempts = 2 * endpoints.length + 1;
  }

  /** Runs `send` with retries as described above; failures come out as mapped StoreErrors. */
  async run<T>(kind: CallKind, ctx: CallContext, send: (options: CallOptions) => Promise<T>): Promise<T> {
    const options: CallOptions = { interceptors: [cancelOn(ctx, this.#health)] };
    for (let attempt = 0; ; attempt++) {
      try {
        return await send(options);
      } catch (err) {
        const mapped = toStoreError(err, kind);
        const backoff = Math.min(MAX_BACKOFF_MS, 10 * 2 ** attempt) * (0.5 + Math.random() / 2);
        if (
          !retryable(mapped) ||
          attempt + 1 >= this.#maxAttempts ||
          ctx.cancelled ||
          Date.now() + backoff + DEADLINE_MARGIN_MS >= ctx.deadline
        ) {
          throw mapped;
        }
        await delay(backoff, undefined, { signal: ctx.signal }).catch(() => {
          throw mapped;
        });
      }
    }
  }

  close(): void {
    this.client.close();
  }
}

/** UNAVAILABLE means "not applied" for writes (see toStoreError), and reads are always safe to repeat. */
function retryable(err: StoreError): boolean {
  return err.code === 'UNAVAILABLE';
}
