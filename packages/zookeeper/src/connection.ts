import { createHash } from 'node:crypto';
import type { CallContext } from '@strongbox/core';
import { StoreError, timedContext } from '@strongbox/core';
import type { ACL, Client, Stat } from 'node-zookeeper-client';
import * as zk from 'node-zookeeper-client';
import { castZkError, isConnectionFailure, zkCode } from './errors.js';

/** How to reach the ensemble. */
export interface ConnectionOptions {
  /** host:port of each server. */
  readonly endpoints: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly auth?: { readonly username: string; readonly password: string } | undefined;
}

/** A data read: the znode's data and stat, or undefined when the znode does not exist. */
export type Read = { readonly data: Buffer; readonly stat: Stat } | undefined;

/** One operation of a ZooKeeper multi. */
export type MultiOp =
  | { readonly type: 'check'; readonly path: string; readonly version: number }
  | { readonly type: 'create'; readonly path: string; readonly data: Buffer }
  | { readonly type: 'set'; readonly path: string; readonly data: Buffer; readonly version: number };

/** The result of a multi: each op's stat (set ops only), or the first op that failed and why. */
export type MultiResult =
  | { readonly ok: true; readonly stats: ReadonlyArray<Stat | undefined> }
  | { readonly ok: false; readonly index: number; readonly code: number };

/** A node-level answer of a single write: the new stat, or the ZooKeeper code that refused it. */
export type WriteResult =
  | { readonly ok: true; readonly stat: Stat }
  | { readonly ok: false; readonly code: number };

const NODE_CODES = new Set<number>([
  zk.Exception.NO_NODE,
  zk.Exception.NODE_EXISTS,
  zk.Exception.BAD_VERSION,
]);

/** The ACL of a znode anyone may use: for the parents of the root, as ZooKeeper's own default. */
export function openAcl(): ACL[] {
  return [new zk.ACL(zk.Permission.ALL, new zk.Id('world', 'anyone'))];
}

/** The client's private connection manager: only its socket (see #probe and #batch). */
interface ConnectionInternals {
  connectionManager?: {
    socket?: {
      destroy?: () => void;
      cork?: () => void;
      uncork?: () => void;
      writableCorked?: number;
      connecting?: boolean;
      destroyed?: boolean;
    };
  };
}

/**
 * One ZooKeeper session, replaced when it expires, plus the rules for sending on it.
 *
 * node-zookeeper-client queues requests while disconnected and sends them whenever it reconnects,
 * and cannot cancel them: a write queued then could apply long after the caller gave up, so every
 * request is handed to the client only while it is connected (and a write that cannot be sent in
 * time is UNAVAILABLE: definitely not applied). The client's own retry of requests on connection
 * loss is disabled (`retries: 0`): resending a write after an ambiguous failure could apply it twice.
 * The client has no read timeout either, so a server that stops answering (paused, partitioned)
 * would hold the connection forever: a probe detects that and forces a reconnect.
 */
export class Connection {
  readonly acl: ACL[];
  #client: Client;
  #connected = false;
  #closed = false;
  readonly #waiters = new Set<() => void>();
  readonly #probeTimer: NodeJS.Timeout;
  #probeSentAt: number | undefined;
  /** The socket whose session handshake is pending, and since when this connection has seen it. */
  #handshake: { readonly socket: object; readonly since: number } | undefined;
  #sessions = 0;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly probePath: string,
  ) {
    const auth = options.auth;
    if (auth) {
      const digest = createHash('sha1').update(`${auth.username}:${auth.password}`).digest('base64');
      this.acl = [new zk.ACL(zk.Permission.ALL, new zk.Id('digest', `${auth.username}:${digest}`))];
    } else {
      this.acl = openAcl();
    }
    this.#client = this.#newClient();
    const probeEvery = Math.max(250, Math.min(1000, Math.floor(options.sessionTimeoutMs / 6)));
    this.#probeTimer = setInterval(() => this.#probe(), probeEvery);
    this.#probeTimer.unref();
  }

  /** How many sessions this connection has started: more than one after an expiry. */
  get sessions(): number {
    return this.#sessions;
  }

  /** Whether a request handed over now would be sent at once. */
  get connected(): boolean {
    return this.#connected;
  }

  #newClient(): Client {
    this.#sessions++;
    const client = zk.createClient(this.options.endpoints.join(','), {
      sessionTimeout: this.options.sessionTimeoutMs,
      spinDelay: 100,
      retries: 0,
    });
    const auth = this.options.auth;
    if (auth) client.addAuthInfo('digest', Buffer.from(`${auth.username}:${auth.password}`));
    client.on('state', (state) => this.#onState(client, state));
    client.connect();
    return client;
  }

  #onState(client: Client, state: zk.State): void {
    if (client !== this.#client || this.#closed) return;
    this.#connected = state === zk.State.SYNC_CONNECTED;
    this.#probeSentAt = undefined;
    this.#handshake = undefined;
    if (state === zk.State.EXPIRED) {
      // strongbox keeps no ephemeral znodes or watches, so a new session loses nothing.
      this.#client = this.#newClient();
      setImmediate(() => client.close());
    }
    if (this.#connected) this.#wake();
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w();
  }

  /**
   * Forces a reconnect (to the next server, same session) when a request has gone unanswered for
   * two thirds of the session timeout, as the Java client's read timeout does. Pending requests
   * then fail with CONNECTION_LOSS instead of hanging. While there is no session, see #unstick.
   */
  #probe(): void {
    if (this.#closed) return;
    const client = this.#client;
    if (!this.#connected) {
      this.#unstick(client);
      return;
    }
    const sentAt = this.#probeSentAt;
    if (sentAt !== undefined) {
      if (Date.now() - sentAt > (this.options.sessionTimeoutMs * 2) / 3) {
        this.#probeSentAt = undefined;
        (client as unknown as ConnectionInternals).connectionManager?.socket?.destroy?.();
      }
      return;
    }
    const at = Date.now();
    this.#probeSentAt = at;
    client.exists(this.probePath, () => {
      if (this.#probeSentAt === at) this.#probeSentAt = undefined;
    });
  }

  /**
   * The client gives up on a server only while the TCP connect is pending: once connected it
   * waits for the session handshake's answer forever. A paused server's kernel still accepts
   * connections, so a client that picks it (a new session after an expiry shuffles the servers
   * again) would never try another one. The same rule as for requests applies: a socket that has
   * carried no session for two thirds of the session timeout since it connected is dropped, and
   * the client moves on. A TCP connect still pending is left to the client's own connect timeout.
   */
  #unstick(client: Client): void {
    const socket = (client as unknown as ConnectionInternals).connectionManager?.socket;
    if (socket?.connecting !== false || socket.destroyed) {
      this.#handshake = undefined;
      return;
    }
    const now = Date.now();
    if (this.#handshake?.socket !== socket) {
      this.#handshake = { socket, since: now };
      return;
    }
    if (now - this.#handshake.since <= (this.options.sessionTimeoutMs * 2) / 3) return;
    this.#handshake = undefined;
    socket.destroy?.();
  }

  /**
   * The client, once connected. Gives up with UNAVAILABLE shortly before the call's deadline, so
   * that a write that could not be sent is reported as not applied rather than INDETERMINATE.
   */
  async ready(ctx: CallContext): Promise<Client> {
    if (this.#closed)
      throw new StoreError('CLOSED', 'the zookeeper store is closed', { backend: 'zookeeper' });
    if (this.#connected) return this.#client;
    const budget = ctx.deadline - Date.now();
    const margin = Math.max(25, Math.min(250, budget * 0.05));
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        this.#waiters.delete(done);
        resolve();
      };
      const onAbort = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        reject(ctx.signal.reason);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(done);
        ctx.signal.removeEventListener('abort', onAbort);
        reject(
          new StoreError(
            'UNAVAILABLE',
            `no ZooKeeper server of ${this.options.endpoints.join(',')} is serving`,
            {
              backend: 'zookeeper',
            },
          ),
        );
      }, budget - margin);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(done);
    });
    return this.ready(ctx);
  }

  /** Waits for a first connection, for `open`. */
  async waitConnected(timeoutMs: number): Promise<void> {
    const { ctx, done } = timedContext(timeoutMs, 'zookeeper');
    try {
      await this.ready(ctx);
    } finally {
      done();
    }
  }

  /**
   * Runs a read (or a request without effect) until it gets an answer: a connection lost on the
   * way only costs a retry on the next connection. Gives up at the call's deadline.
   */
  async read<T>(ctx: CallContext, run: (client: Client) => Promise<T>): Promise<T> {
    for (;;) {
      const client = await this.ready(ctx);
      this.#batch(client);
      try {
        return await run(client);
      } catch (err) {
        if (!isConnectionFailure(err) || ctx.cancelled) throw castZkError(err, { write: false, sent: true });
        // The client reconnects on its own; ready() waits for it.
      }
    }
  }

  /**
   * Sends one write; a failure after sending is INDETERMINATE (never retried here). Returns the
   * answer with the session it was sent on (reads that follow it there are current). `checkOnly`:
   * the request changes nothing a caller can see (a multi of checks and tombstones), so a failure
   * is a read's.
   */
  async write<T>(
    ctx: CallContext,
    run: (client: Client) => Promise<T>,
    checkOnly = false,
  ): Promise<{ value: T; on: Client }> {
    const client = await this.ready(ctx);
    this.#batch(client);
    try {
      return { value: await run(client), on: client };
    } catch (err) {
      throw castZkError(err, { write: !checkOnly, sent: true });
    }
  }

  /**
   * The client writes every request to its socket with a syscall of its own. Corking the socket
   * until the current burst of callbacks has run (process.nextTick runs after the microtasks that
   * queue them) sends the requests of concurrent calls in one write: less client CPU per call, and
   * the same order on the wire.
   */
  #batch(client: Client): void {
    const socket = (client as unknown as ConnectionInternals).connectionManager?.socket;
    if (!socket?.cork || !socket.uncork || socket.writableCorked) return;
    socket.cork();
    process.nextTick(() => socket.uncork?.());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#probeTimer);
    this.#connected = false;
    this.#wake();
    this.#client.close();
  }
}

/** getData as a promise: undefined when the znode does not exist. */
export function getData(client: Client, path: string): Promise<Read> {
  return new Promise((resolve, reject) => {
    client.getData(path, (err, data, stat) => {
      if (err) {
        if (zkCode(err) === zk.Exception.NO_NODE) resolve(undefined);
        else reject(err);
      } else resolve({ data: data ?? Buffer.alloc(0), stat });
    });
  });
}

/** getChildren as a promise, with the parent's stat. */
export function getChildren(client: Client, path: string): Promise<{ children: string[]; stat: Stat }> {
  return new Promise((resolve, reject) => {
    client.getChildren(path, (err, children, stat) => (err ? reject(err) : resolve({ children, stat })));
  });
}

/** setData as a promise: node-level refusals (NO_NODE, BAD_VERSION) are results. */
export function setData(client: Client, path: string, data: Buffer, version: number): Promise<WriteResult> {
  return new Promise((resolve, reject) => {
    client.setData(path, data, version, (err, stat) => {
      if (!err) resolve({ ok: true, stat });
      else {
        const code = zkCode(err);
        if (code !== undefined && NODE_CODES.has(code)) resolve({ ok: false, code });
        else reject(err);
      }
    });
  });
}

/** create as a promise: NODE_EXISTS is a result. */
export function create(client: Client, path: string, data: Buffer, acl: ACL[]): Promise<boolean> {
  return new Promise((resolve, reject) => {
    client.create(path, data, acl, zk.CreateMode.PERSISTENT, (err) => {
      if (!err) resolve(true);
      else if (zkCode(err) === zk.Exception.NODE_EXISTS) resolve(false);
      else reject(err);
    });
  });
}

interface RawMultiResult {
  type: number;
  err?: number;
  stat?: Stat;
}

/** A multi as a promise: all or nothing; a node-level refusal names the op that failed. */
export function multi(client: Client, ops: readonly MultiOp[], acl: ACL[]): Promise<MultiResult> {
  const txn = client.transaction();
  // node-zookeeper-client 1.1.3 turns version 0 into -1 ("any version") in a multi's check and
  // setData (`version = version || -1`), which would make a condition on a key's first version
  // always hold. The version is written back into the op the client queued.
  const queued = (txn as unknown as { ops?: Array<{ version?: number }> }).ops;
  if (!Array.isArray(queued))
    throw new Error('node-zookeeper-client Transaction has no ops array: version 0 unsafe');
  for (const op of ops) {
    if (op.type === 'check') txn.check(op.path, op.version);
    else if (op.type === 'create') txn.create(op.path, op.data, acl, zk.CreateMode.PERSISTENT);
    else txn.setData(op.path, op.data, op.version);
    const last = queued[queued.length - 1];
    if (op.type !== 'create' && last) last.version = op.version;
  }
  return new Promise((resolve, reject) => {
    txn.commit((err, results: RawMultiResult[] | undefined) => {
      if (!err) {
        resolve({ ok: true, stats: (results ?? []).map((r) => r.stat) });
        return;
      }
      const code = zkCode(err);
      const index = results?.findIndex(
        (r) => r.err !== undefined && r.err !== 0 && r.err !== zk.Exception.RUNTIME_INCONSISTENCY,
      );
      if (code !== undefined && NODE_CODES.has(code) && index !== undefined && index >= 0) {
        resolve({ ok: false, index, code });
      } else reject(err);
    });
  });
}
