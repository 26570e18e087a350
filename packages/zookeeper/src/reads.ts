import type { CallContext, Entry } from '@strongbox/core';
import { StoreError } from '@strongbox/core';
import type { Client } from 'node-zookeeper-client';
import { type Connection, getData, multi, type Read } from './connection.js';
import { decodeData, type Layout, versionToken } from './layout.js';

/** The entry a key znode's read stands for (undefined: no znode, or a tombstone). */
export function toEntry(key: string, read: Read): Entry | undefined {
  if (!read) return undefined;
  const value = decodeData(read.data);
  return value === undefined ? undefined : { key, value, version: versionToken(read.stat.version) };
}

/** Whether a read shows a live entry. */
export function isLive(read: Read): boolean {
  return decodeData(read?.data) !== undefined;
}

/**
 * Reads as ZooKeeper serves them: from the connected server, which may lag behind the leader.
 * Such a read is current when it follows, on the same session, a write that went through the
 * leader (ZooKeeper answers a session's requests in order, a read only after the session's earlier
 * writes are applied, and never lets a session reconnect to a server behind what it has seen): the
 * drivers use it right after a failed conditional write, or validate it with a later multi.
 */
export class Reader {
  constructor(
    private readonly conn: Connection,
    private readonly layout: Layout,
  ) {}

  /** Plain reads of several znodes, pipelined in one round trip. */
  plain(paths: readonly string[], ctx: CallContext): Promise<Read[]> {
    return this.conn.read(ctx, (client) => Promise.all(paths.map((p) => getData(client, p))));
  }

  /**
   * Reads that follow a write sent on `after`: plain when still on that session (they are then
   * current, see above), else behind a barrier, since a new session may land on a lagging server.
   */
  after(paths: readonly string[], ctx: CallContext, after: Client): Promise<Read[]> {
    return this.conn.read(ctx, (client) =>
      client === after ? Promise.all(paths.map((p) => getData(client, p))) : this.#fresh(client, paths),
    );
  }

  /** A plain read of one znode. */
  async one(path: string, ctx: CallContext): Promise<Read> {
    const [read] = await this.plain([path], ctx);
    return read;
  }

  /**
   * Linearizable reads: a barrier multi (a version check of the root, which always holds) goes
   * through the leader and is committed at a point P after the call started; the reads pipelined
   * behind it on the same session are served after P is applied on the connected server. One
   * round trip, priced like a write (a quorum commit). Each read sees a state at or after P; one
   * read alone is a linearizable snapshot of its key.
   */
  fresh(paths: readonly string[], ctx: CallContext): Promise<Read[]> {
    return this.conn.read(ctx, (client) => this.#fresh(client, paths));
  }

  async #fresh(client: Client, paths: readonly string[]): Promise<Read[]> {
    const barrier = multi(client, [{ type: 'check', path: this.layout.root, version: -1 }], this.conn.acl);
    const reads = Promise.all(paths.map((p) => getData(client, p)));
    // If the barrier fails the reads are dropped; their own failure must not go unhandled.
    reads.catch(() => {});
    const passed = await barrier;
    if (!passed.ok) {
      throw new StoreError(
        'INTERNAL',
        `the strongbox root ${this.layout.root} is missing (code ${passed.code})`,
        {
          backend: 'zookeeper',
        },
      );
    }
    return reads;
  }

  /** A linearizable read of one znode. */
  async freshOne(path: string, ctx: CallContext): Promise<Read> {
    const [read] = await this.fresh([path], ctx);
    return read;
  }
}
