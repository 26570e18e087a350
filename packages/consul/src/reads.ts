import { type CallContext, type Entry, StoreError } from '@strongbox/core';
import type { IndexCache } from './cache.js';
import { type ConsulHttp, type TxnOutcome, urlSafe } from './client.js';
import { toEntry } from './codec.js';
import { classifyTxnErrors, deniedError, unexpectedTxnError } from './errors.js';
import { closedError, TxnGroups } from './groups.js';

/**
 * The adapter's consistent gets. At most `inFlight` get requests of one store are out at a time; a
 * get beyond them waits until one returns, and then the gets waiting by then go out together, up
 * to 64 keys, as one read-only `/v1/txn` in `consistent` mode (see {@link TxnGroups}). A get sent
 * at once (while fewer than `inFlight` are out) is `GET /v1/kv/<key>?consistent`, or a one-key
 * read transaction for a key a URL cannot carry.
 *
 * What a group saves is requests, for the client (HTTP, parsing, garbage) and for the leader (one
 * leadership check per group, not per key); what it costs is that a get may wait for an earlier
 * request to return. Each key is answered on its own: a missing key is absent (Consul names it
 * when it refuses the transaction, and the others are sent again), one the token may not read
 * (left out of the answer, or named in an error) is PERMISSION_DENIED for that get only.
 */
export class ConsistentReads {
  readonly #groups: TxnGroups;

  constructor(
    private readonly http: ConsulHttp,
    private readonly cache: IndexCache,
    inFlight: number,
  ) {
    this.#groups = new TxnGroups(http, 'read', inFlight, false);
  }

  get(key: string, ctx: CallContext): Promise<Entry | undefined> {
    const groups = this.#groups;
    if (groups.closed) return Promise.reject(closedError());
    if (urlSafe(key) && groups.take()) {
      const cache = this.cache;
      // Shaped and remembered in the reaction that receives the answer.
      const sent = this.http.kvGet(key, false, ctx, (entries) => {
        const entry = entries[0];
        cache.saw(key, entry);
        return entry;
      });
      sent.then(groups.release, groups.release);
      return sent;
    }
    return groups.txn(key, [{ KV: { Verb: 'get', Key: key } }], ctx).then((out) => this.#entry(key, out));
  }

  /** Fails the gets still waiting (nothing was sent for them). */
  close(): void {
    this.#groups.close();
  }

  /** The entry of a one-key read transaction's outcome. */
  #entry(key: string, out: TxnOutcome): Entry | undefined {
    if (out.ok) {
      const raw = out.results[0];
      if (raw === undefined) {
        // The key exists (a missing one fails the transaction) but the ACL filtered it out.
        throw new StoreError(
          'PERMISSION_DENIED',
          `the consul token may not read key ${JSON.stringify(key)}`,
          {
            backend: 'consul',
          },
        );
      }
      const entry = toEntry(raw);
      this.cache.saw(key, entry);
      return entry;
    }
    const kind = classifyTxnErrors(out.errors);
    if (kind === 'absent') {
      this.cache.saw(key, undefined);
      return undefined;
    }
    throw kind === 'denied' ? deniedError(out.errors) : unexpectedTxnError(out.errors);
  }
}
