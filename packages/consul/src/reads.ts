import { type CallContext, DriverContext, type Entry, StoreError } from '@strongbox/core';
import type { IndexCache } from './cache.js';
import { type ConsulHttp, type RawEntry, type TxnOp, urlSafe } from './client.js';
import { toEntry } from './codec.js';
import { classifyTxnErrors, deniedError, type TxnError, unexpectedTxnError } from './errors.js';

/**
 * Keys in one read transaction at most: Consul's limit of operations per transaction. 64 keys of
 * the contract's 1024 bytes, each at most 6 bytes of JSON per byte, stay under Consul's 512 KiB
 * request limit (a test checks the arithmetic).
 */
export const MAX_READ_BATCH = 64;

function closedError(): StoreError {
  return new StoreError('CLOSED', 'the consul store was closed before this read was sent', {
    backend: 'consul',
  });
}

/** Several gets sent as one request: the request is given up only when every one of them is. */
interface Group {
  readonly ctx: DriverContext;
  live: number;
}

/** A get: waiting for its turn, or sent alone or in a group. */
class Read {
  settled = false;
  group: Group | undefined;

  constructor(
    readonly key: string,
    readonly ctx: CallContext,
    readonly resolve: (entry: Entry | undefined) => void,
    readonly reject: (err: unknown) => void,
  ) {}

  /** The call was given up (deadline or abort) while this read waited or was in a group. */
  readonly cancelled = (reason: StoreError): void => {
    if (this.settled) return;
    this.settled = true;
    this.reject(reason);
    const group = this.group;
    if (group !== undefined && --group.live === 0) group.ctx.cancel(reason);
  };

  answer(entry: Entry | undefined): void {
    this.settled = true;
    this.resolve(entry);
  }

  fail(err: unknown): void {
    this.settled = true;
    this.reject(err);
  }
}

/**
 * The adapter's consistent gets. At most `inFlight` get requests of one store are out at a time;
 * a get beyond them waits until one returns, and then every get waiting by then goes out together,
 * up to {@link MAX_READ_BATCH} keys, as one read-only `/v1/txn` in `consistent` mode.
 *
 * Still linearizable: every get of a group was called before the group's request was sent and
 * returns after its answer, and the leader serves that consistent read at one moment in between.
 * What a group saves is requests, for the client (HTTP, parsing, garbage) and for the leader (one
 * leadership check per group, not per key); what it costs is that a get may wait for an earlier
 * request to return. A single get (and every get while fewer than `inFlight` are out) is sent at
 * once, as before: `GET /v1/kv/<key>?consistent`, or a one-key read transaction for a key a URL
 * cannot carry.
 *
 * A group answers each key on its own: a missing key is absent, one the token may not read
 * (Consul leaves it out of the answer, or names it in an error) is PERMISSION_DENIED for that get
 * only. A transaction with a missing key is refused whole, so the keys it names are answered
 * absent and the others are sent again.
 */
export class ConsistentReads {
  #inFlight = 0;
  #waiting: Read[] = [];
  #closed = false;
  readonly #release = (): void => {
    this.#inFlight--;
    this.#flush();
  };

  constructor(
    private readonly http: ConsulHttp,
    private readonly cache: IndexCache,
    private readonly inFlight: number,
  ) {}

  get(key: string, ctx: CallContext): Promise<Entry | undefined> {
    if (this.#inFlight < this.inFlight) {
      this.#inFlight++;
      const sent = urlSafe(key) ? this.#kvGet(key, ctx) : this.#alone(key, ctx);
      sent.then(this.#release, this.#release);
      return sent;
    }
    return new Promise((resolve, reject) => {
      const read = new Read(key, ctx, resolve, reject);
      this.#waiting.push(read);
      ctx.onCancel(read.cancelled);
    });
  }

  /** Fails the gets still waiting (nothing was sent for them); the requests out fail with the HTTP client. */
  close(): void {
    this.#closed = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const read of waiting) if (!read.settled) read.fail(closedError());
  }

  #kvGet(key: string, ctx: CallContext): Promise<Entry | undefined> {
    const cache = this.cache;
    // Shaped and remembered in the reaction that receives the answer.
    return this.http.kvGet(key, false, ctx, (entries) => {
      const entry = entries[0];
      cache.saw(key, entry);
      return entry;
    });
  }

  #alone(key: string, ctx: CallContext): Promise<Entry | undefined> {
    return new Promise((resolve, reject) => {
      this.#send([new Read(key, ctx, resolve, reject)], ctx);
    });
  }

  /** Sends what waits, in groups, while fewer than `inFlight` requests are out. */
  #flush(): void {
    while (this.#inFlight < this.inFlight && !this.#closed) {
      const reads = this.#take();
      if (reads.length === 0) return;
      this.#inFlight++;
      const first = reads[0] as Read;
      let sent: Promise<unknown>;
      if (reads.length === 1) {
        sent = urlSafe(first.key)
          ? this.#kvGet(first.key, first.ctx).then(
              (entry) => first.answer(entry),
              (err: unknown) => first.fail(err),
            )
          : this.#send(reads, first.ctx);
      } else {
        let deadline = 0;
        let timeoutGiven = false;
        for (const read of reads) {
          deadline = Math.max(deadline, read.ctx.deadline);
          timeoutGiven ||= read.ctx.timeoutGiven;
        }
        const group: Group = { ctx: new DriverContext(deadline, timeoutGiven), live: reads.length };
        for (const read of reads) read.group = group;
        sent = this.#send(reads, group.ctx);
      }
      sent.then(this.#release, this.#release);
    }
  }

  /** The next reads to send: up to a group's worth of those still wanted, in the order they came. */
  #take(): Read[] {
    const reads: Read[] = [];
    let i = 0;
    while (i < this.#waiting.length && reads.length < MAX_READ_BATCH) {
      const read = this.#waiting[i++] as Read;
      if (!read.settled) reads.push(read);
    }
    this.#waiting = i === 0 ? this.#waiting : this.#waiting.slice(i);
    return reads;
  }

  /** One read transaction for `reads`; settles each of them, or puts them back to wait (see the class). */
  #send(reads: readonly Read[], ctx: CallContext): Promise<void> {
    const ops: TxnOp[] = reads.map((r) => ({ KV: { Verb: 'get', Key: r.key } }));
    return this.http.txn(ops, 'read', ctx).then(
      (out) => {
        if (out.ok) this.#answered(reads, out.results);
        else this.#refused(reads, out.errors);
      },
      (err: unknown) => {
        for (const read of reads) if (!read.settled) read.fail(err);
      },
    );
  }

  #answered(reads: readonly Read[], results: readonly RawEntry[]): void {
    const byKey = new Map<string, RawEntry>();
    for (const raw of results) byKey.set(raw.Key, raw);
    for (const read of reads) {
      if (read.settled) continue;
      const raw = byKey.get(read.key);
      if (raw === undefined) {
        // The key exists (a missing one fails the transaction) but the ACL filtered it out.
        read.fail(
          new StoreError(
            'PERMISSION_DENIED',
            `the consul token may not read key ${JSON.stringify(read.key)}`,
            {
              backend: 'consul',
            },
          ),
        );
        continue;
      }
      const entry = toEntry(raw);
      this.cache.saw(read.key, entry);
      read.answer(entry);
    }
  }

  #refused(reads: readonly Read[], errors: readonly TxnError[]): void {
    const named = new Set<Read>();
    for (const error of errors) {
      const read = reads[error.OpIndex];
      if (read === undefined) continue;
      named.add(read);
      if (read.settled) continue;
      const kind = classifyTxnErrors([error]);
      if (kind === 'absent') {
        this.cache.saw(read.key, undefined);
        read.answer(undefined);
      } else read.fail(kind === 'denied' ? deniedError([error]) : unexpectedTxnError([error]));
    }
    const unanswered = reads.filter((r) => !named.has(r) && !r.settled);
    if (unanswered.length === 0) return;
    if (named.size === 0) {
      // A refusal that names none of the ops: sending the same again would only repeat it.
      const err = unexpectedTxnError(errors);
      for (const read of unanswered) read.fail(err);
      return;
    }
    // Refused for the keys it named only: the others go again, first in line, in a new request
    // (their old one is over, so giving them up no longer counts towards cancelling it).
    if (this.#closed) {
      for (const read of unanswered) read.fail(closedError());
      return;
    }
    for (const read of unanswered) read.group = undefined;
    this.#waiting = [...unanswered, ...this.#waiting];
  }
}
