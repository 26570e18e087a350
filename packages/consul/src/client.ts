import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { type CallContext, type Entry, type ResolvedStoreConfig, StoreError } from '@strongbox/core';
import Consul from 'consul';
import { castConsulError, type RequestKind, statusOf, type TxnError } from './errors.js';

/** A KV operation of Consul's `/v1/txn` API, in its wire format (values base64). */
export interface TxnOp {
  readonly KV: {
    readonly Verb: 'get' | 'get-tree' | 'set' | 'cas' | 'delete' | 'check-index' | 'check-not-exists';
    readonly Key: string;
    readonly Value?: string;
    readonly Index?: number;
    readonly Flags?: number;
  };
}

/** A KV entry as Consul returns it (Value is base64, null when empty). */
export interface RawEntry {
  readonly Key: string;
  readonly Value: string | null;
  readonly ModifyIndex: number;
}

/** A transaction's answer: its results (200), or the errors that rejected it (409). */
export type TxnOutcome =
  | { readonly ok: true; readonly results: readonly RawEntry[] }
  | { readonly ok: false; readonly errors: readonly TxnError[] };

interface RequestOptions {
  consistent?: boolean;
  token?: string;
  dc?: string;
  ctx?: CancelContext;
  key?: string;
  recurse?: boolean;
  buffer?: boolean;
}

type KvGetOptions = RequestOptions & { key: string; recurse?: boolean };

/** The part of the untyped `consul` client this adapter calls. */
interface RawClient {
  kv: {
    get(opts: KvGetOptions): Promise<unknown>;
  };
  transaction: {
    create(ops: readonly TxnOp[], opts: RequestOptions): Promise<unknown>;
  };
  status: {
    leader(opts: RequestOptions): Promise<unknown>;
  };
  destroy(): void;
}

/** A KV entry as the client's `kv.get` returns it with `buffer: true`. */
interface KvEntry {
  readonly Key: string;
  readonly Value: Buffer | null;
  readonly ModifyIndex: number;
}

/**
 * Whether a key (or prefix) survives the trip through a URL path to Consul's KV endpoint. The
 * client percent-encodes it, but the agent's HTTP mux decodes and then "cleans" the path, so a
 * leading `/`, `//` or a `.`/`..` segment would be redirected to another key, and the agent
 * refuses unprintable characters. Keys outside printable ASCII go through the txn API instead,
 * which carries them in a JSON body, so every key is stored exactly as given either way.
 */
export function urlSafe(key: string): boolean {
  // One pass over the characters, not regular expressions: this runs on every get, and at one call
  // in flight every call runs cold, where each regular expression's code and data cost a few µs.
  const n = key.length;
  if (n === 0) return false;
  let segment = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? key.charCodeAt(i) : 0x2f;
    if (c < 0x20 || c > 0x7e) return false;
    if (c !== 0x2f) continue;
    const length = i - segment;
    // An empty segment: a leading `/` or `//` (a trailing `/` is fine); `.` or `..`: cleaned away.
    if (length === 0 && i < n) return false;
    if (
      key.charCodeAt(segment) === 0x2e &&
      (length === 1 || (length === 2 && key.charCodeAt(segment + 1) === 0x2e))
    ) {
      return false;
    }
    segment = i + 1;
  }
  return true;
}

interface Endpoint {
  readonly url: string;
  readonly client: RawClient;
}

/**
 * Connections kept to one endpoint at most; more concurrent calls wait in the client for a free
 * one. Consul closes, unanswered, every connection from one client address beyond
 * `limits.http_max_conns_per_client` (200 by default), which a write would see as a broken
 * connection: INDETERMINATE. 64 leaves room for a few store handles and other clients per host.
 */
export const MAX_SOCKETS_PER_ENDPOINT = 64;

/** Default Consul HTTP address when the config gives no endpoints. */
export const DEFAULT_ENDPOINT = '127.0.0.1:8500';

function baseUrl(endpoint: string, secure: boolean): string {
  const url = new URL(endpoint.includes('://') ? endpoint : `${secure ? 'https' : 'http'}://${endpoint}`);
  return `${url.protocol}//${url.host}/v1`;
}

function identity<T>(x: T): T {
  return x;
}

/** An entry of a KV read: a view of the bytes decoded from the answer's base64, no copy. */
function kvEntry(e: KvEntry): Entry {
  return {
    key: e.Key,
    value:
      e.Value === null
        ? new Uint8Array(0)
        : new Uint8Array(e.Value.buffer, e.Value.byteOffset, e.Value.length),
    version: String(e.ModifyIndex),
  };
}

/** A transaction's 200: its results. */
function txnResults(answer: unknown): TxnOutcome {
  const body = answer as { Results?: { KV?: RawEntry }[] | null } | undefined;
  const results: RawEntry[] = [];
  for (const r of body?.Results ?? []) if (r.KV) results.push(r.KV);
  return { ok: true, results };
}

/** A transaction's 409 is Consul's answer that a check failed (nothing applied); anything else is a failure. */
function txnRefusal(err: unknown): TxnOutcome {
  if (statusOf(err) !== 409) throw err;
  const body = (err as { response: { body?: { Errors?: TxnError[] | null } } }).response.body;
  return { ok: false, errors: body?.Errors ?? [] };
}

/**
 * A request's `ctx` for papi (under `consul`), which cancels a request when its ctx fires
 * 'cancel' and refuses to start one whose ctx says `canceled`. papi needs no more of it than an
 * `instanceof EventEmitter` check, `canceled`, and one listener at a time (`once`, then
 * `removeListener` when the request ends), so this is that and no more: it has EventEmitter's
 * prototype for the check but never runs its constructor, and keeps the listener in a field. A
 * real emitter per call (its setup, the `once` wrapper, the listener map) cost about 4 µs of
 * client CPU per request at 64 workers, as much as the rest of the adapter's HTTP layer.
 */
class CancelContext {
  canceled = false;
  #listener: (() => void) | undefined;
  /** Listeners beyond the first: papi never registers two, but nothing is lost if it does. */
  #more: Array<() => void> | undefined;

  once(event: string, listener: () => void): this {
    if (event !== 'cancel') throw new Error(`CancelContext: unexpected event ${event}`);
    if (this.#listener === undefined) this.#listener = listener;
    else {
      this.#more ??= [];
      this.#more.push(listener);
    }
    return this;
  }

  removeListener(event: string, listener: () => void): this {
    if (event !== 'cancel') return this;
    if (this.#listener === listener) this.#listener = undefined;
    else if (this.#more !== undefined) this.#more = this.#more.filter((l) => l !== listener);
    return this;
  }

  /** Fires once: every listener registered now runs, and later requests refuse to start. */
  cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    const first = this.#listener;
    const more = this.#more;
    this.#listener = undefined;
    this.#more = undefined;
    first?.();
    for (const l of more ?? []) l();
  }
}
Object.setPrototypeOf(CancelContext.prototype, EventEmitter.prototype);

/**
 * The HTTP side of the adapter: one `consul` client per endpoint over a keep-alive agent, the
 * token and datacenter on every request, cancellation from the call's signal, and failover to the
 * next endpoint only when a request provably was not applied (UNAVAILABLE). A call whose deadline
 * passes without an answer is not re-sent, but later calls go to the next endpoint.
 */
export class ConsulHttp {
  readonly #endpoints: Endpoint[];
  readonly #agent: HttpAgent;
  readonly #token: string | undefined;
  readonly #dc: string | undefined;
  #current = 0;

  constructor(config: ResolvedStoreConfig) {
    const consul = config.consul;
    const tls = consul?.tls;
    const secure = tls !== undefined;
    this.#agent = secure
      ? new HttpsAgent({
          keepAlive: true,
          maxSockets: MAX_SOCKETS_PER_ENDPOINT,
          ...(tls.caFile === undefined ? {} : { ca: readFileSync(tls.caFile) }),
          ...(tls.certFile === undefined ? {} : { cert: readFileSync(tls.certFile) }),
          ...(tls.keyFile === undefined ? {} : { key: readFileSync(tls.keyFile) }),
        })
      : new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_ENDPOINT });
    this.#endpoints = (config.endpoints ?? [DEFAULT_ENDPOINT]).map((e) => {
      const url = baseUrl(e, secure);
      const client = new Consul({ baseUrl: url, agent: this.#agent } as ConstructorParameters<
        typeof Consul
      >[0]);
      return { url, client: client as unknown as RawClient };
    });
    this.#token = consul?.token;
    this.#dc = consul?.datacenter;
  }

  /**
   * The options of one request: `consistent` for a read, the token and datacenter, and the
   * context that cancels it. A write goes through Raft on the leader whatever its mode (the
   * checks of a write transaction are evaluated there, at apply), so it carries no `consistent`,
   * whose only effect there would be the client encoding a query string. Built field by field:
   * `{ ...defaults, ctx }` costs V8 about a microsecond.
   */
  #options(ctx: CancelContext, consistent: boolean): RequestOptions {
    const opts: RequestOptions = { ctx };
    if (consistent) opts.consistent = true;
    if (this.#token !== undefined) opts.token = this.#token;
    if (this.#dc !== undefined) opts.dc = this.#dc;
    return opts;
  }

  /** Runs a transaction (read-only ones in `consistent` mode); a 409 is an answer, not an error. */
  txn(ops: readonly TxnOp[], kind: RequestKind, ctx: CallContext): Promise<TxnOutcome> {
    return this.#request(kind, ctx, (client, opts) =>
      client.transaction.create(ops, opts).then(txnResults, txnRefusal),
    );
  }

  /**
   * A consistent read through the KV endpoint (`GET /v1/kv/<key>?consistent`, with `recurse` for
   * a prefix): cheaper than a read transaction, but only for keys {@link urlSafe} accepts.
   * Absent (404) is an empty list.
   */
  kvGet<T = Entry[]>(
    key: string,
    recurse: boolean,
    ctx: CallContext,
    shape: (entries: Entry[]) => T = identity as (entries: Entry[]) => T,
  ): Promise<T> {
    return this.#request(
      'read',
      ctx,
      (client, opts) => {
        // buffer: keep values as bytes (the client otherwise decodes them to UTF-8 strings).
        const get = opts as KvGetOptions;
        get.key = key;
        get.buffer = true;
        if (recurse) get.recurse = true;
        return client.kv.get(get) as Promise<KvEntry[] | KvEntry | undefined>;
      },
      (body) => shape(body === undefined ? [] : Array.isArray(body) ? body.map(kvEntry) : [kvEntry(body)]),
    );
  }

  /**
   * Waits until some endpoint answers (`GET /v1/status/leader`, which needs no ACL), trying them
   * in order, each for its share of what is left of `timeoutMs` (so one that hangs cannot use it
   * all), and makes the first that answers the current one. A store on unreachable endpoints
   * fails at open, not at its first call.
   */
  async probe(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const reasons: string[] = [];
    for (let i = 0; i < this.#endpoints.length; i++) {
      const endpoint = this.#endpoints[i] as Endpoint;
      const share = Math.max(1, Math.floor((deadline - Date.now()) / (this.#endpoints.length - i)));
      const cancel = new CancelContext();
      const timer = setTimeout(() => cancel.cancel(), share);
      try {
        await endpoint.client.status.leader(this.#options(cancel, false));
        this.#current = i;
        return;
      } catch (err) {
        const why = cancel.canceled
          ? `no answer within ${share} ms`
          : castConsulError(err, 'read', endpoint.url).message;
        reasons.push(`${endpoint.url}: ${why}`);
      } finally {
        clearTimeout(timer);
      }
    }
    throw new StoreError(
      'UNAVAILABLE',
      `no consul endpoint answered within ${timeoutMs} ms (${reasons.join('; ')})`,
      {
        backend: 'consul',
      },
    );
  }

  close(): void {
    for (const e of this.#endpoints) e.client.destroy();
    this.#agent.destroy();
  }

  /** Makes the endpoint after `index` the current one, unless another call already moved on. */
  #moveOn(index: number): void {
    if (this.#current === index) this.#current = (index + 1) % this.#endpoints.length;
  }

  /**
   * Sends one request, and again to the next endpoint only while it provably did nothing
   * (UNAVAILABLE) and time is left. `answer` shapes the client's answer in the same promise
   * reaction that receives it: reads are most of a replica's calls, and every extra async layer
   * between the client and the store is a promise and a microtask per call.
   */
  #request<R, T = R>(
    kind: RequestKind,
    ctx: CallContext,
    send: (client: RawClient, opts: RequestOptions) => Promise<R>,
    answer: (raw: R) => T = identity as (raw: R) => T,
  ): Promise<T> {
    const cancel = new CancelContext();
    let index = this.#current;
    let given: StoreError | undefined;
    // onCancel, not ctx.signal: an AbortSignal per call costs more than the rest of the call's
    // bookkeeping. The listener can only run while this call is in flight.
    ctx.onCancel((reason) => {
      given = reason;
      cancel.cancel();
      // The deadline passed with no answer: send later calls elsewhere, in case this endpoint
      // hangs (this call is never re-sent). Done here, not after the request unwinds, so the
      // caller's next call already goes elsewhere.
      if (reason.code === 'TIMEOUT') this.#moveOn(index);
    });
    const opts = this.#options(cancel, kind === 'read');
    let tried = 0;
    const attempt = (): Promise<T> => {
      tried++;
      index = this.#current;
      const endpoint = this.#endpoints[index] as Endpoint;
      let sent: Promise<R>;
      try {
        sent = send(endpoint.client, opts);
      } catch (err) {
        sent = Promise.reject(err);
      }
      return sent.then(answer, (err: unknown) => {
        if (given !== undefined) throw given;
        const mapped = castConsulError(err, kind, endpoint.url);
        // Only a request that provably did nothing may go to the next endpoint.
        if (mapped.code !== 'UNAVAILABLE' || tried >= this.#endpoints.length || Date.now() >= ctx.deadline) {
          throw mapped;
        }
        this.#moveOn(index);
        return attempt();
      });
    };
    return attempt();
  }
}
