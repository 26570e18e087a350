import type {
  CallContext,
  CasResult,
  Driver,
  DriverDeleteResult,
  Entry,
  NormalizedTransaction,
  StoreCapabilities,
  TransactionResult,
  WriteCondition,
} from '@strongbox/core';
import { compareKeys, contractLimits } from '@strongbox/core';
import { type Client, Exception } from 'node-zookeeper-client';
import { type Connection, getChildren, type MultiOp, multi, type Read, setData } from './connection.js';
import {
  bytesEqualTo,
  decodeData,
  decodeKey,
  encodeKey,
  encodeLive,
  type Layout,
  parseVersion,
  tombstoneData,
  versionToken,
} from './layout.js';
import { isLive, Reader, toEntry } from './reads.js';
import { checkMultiSize } from './size.js';
import { runTransaction } from './transaction.js';

/** What the ZooKeeper adapter provides. */
export const zookeeperCapabilities: StoreCapabilities = {
  readConsistency: 'linearizable',
  transactions: true,
  watch: false,
  leases: false,
  ...contractLimits,
};

const EMPTY = Buffer.alloc(0);

function aborted(ctx: CallContext): void {
  if (ctx.cancelled) throw ctx.cancelled;
}

/**
 * The strongbox driver over one ZooKeeper session. See layout.ts for the znode layout and
 * docs/consistency.md for why each operation is linearizable and what it costs.
 */
export class ZooKeeperDriver implements Driver {
  readonly backend = 'zookeeper';
  readonly capabilities = zookeeperCapabilities;
  readonly #reader: Reader;

  constructor(
    private readonly conn: Connection,
    private readonly layout: Layout,
  ) {
    this.#reader = new Reader(conn, layout);
  }

  async get(key: string, ctx: CallContext): Promise<Entry | undefined> {
    return toEntry(key, await this.#reader.freshOne(this.layout.path(key), ctx));
  }

  /**
   * Reads the children of the data znode and the matching keys, then validates the whole snapshot
   * with one multi through the leader: the data znode's version (bumped by every key creation, so
   * no key appeared) and every read key's version (none changed). A failed validation retries.
   */
  async list(prefix: string, limit: number | undefined, ctx: CallContext): Promise<Entry[]> {
    const encoded = encodeKey(prefix);
    for (;;) {
      aborted(ctx);
      const { children, stat } = await this.conn.read(ctx, (c) => getChildren(c, this.layout.data));
      const keys: string[] = [];
      for (const name of children) {
        if (!name.startsWith(encoded)) continue;
        const key = decodeKey(name);
        if (key !== undefined) keys.push(key);
      }
      keys.sort(compareKeys);
      const checks: MultiOp[] = [{ type: 'check', path: this.layout.data, version: stat.version }];
      const entries: Entry[] = [];
      // With a limit only the first keys matter: read in chunks until enough are live.
      const chunk = limit === undefined ? keys.length : Math.max(limit, 16);
      let vanished = false;
      for (
        let i = 0;
        i < keys.length && (limit === undefined || entries.length < limit) && !vanished;
        i += chunk
      ) {
        const batch = keys.slice(i, i + chunk);
        const reads = await this.#reader.plain(
          batch.map((k) => this.layout.path(k)),
          ctx,
        );
        batch.forEach((key, j) => {
          const read = reads[j];
          if (!read) {
            vanished = true; // a key znode deleted by hand: start over
            return;
          }
          if (limit !== undefined && entries.length >= limit) return;
          checks.push({ type: 'check', path: this.layout.path(key), version: read.stat.version });
          const entry = toEntry(key, read);
          if (entry) entries.push(entry);
        });
      }
      if (vanished) continue;
      checkMultiSize(checks, 'list');
      const valid = await this.conn.read(ctx, (c) => multi(c, checks, this.conn.acl));
      if (valid.ok) return entries;
    }
  }

  async put(
    key: string,
    value: Uint8Array,
    condition: WriteCondition | undefined,
    ctx: CallContext,
  ): Promise<CasResult> {
    const path = this.layout.path(key);
    const data = encodeLive(value);
    if (condition === undefined) return this.#putAnyway(path, data, ctx);
    if (condition.type === 'version') {
      const version = parseVersion(condition.version);
      if (version === undefined) return { ok: false, current: await this.get(key, ctx) };
      const sent = await this.conn.write(ctx, (c) => setData(c, path, data, version));
      if (sent.value.ok) return { ok: true, version: versionToken(sent.value.stat.version) };
      // The refused write went through the leader: a read behind it on its session is current.
      const [read] = await this.#reader.after([path], ctx, sent.on);
      return { ok: false, current: toEntry(key, read) };
    }
    const expected = condition.type === 'value' ? condition.value : undefined;
    const holds = (read: Read) => {
      const stored = decodeData(read?.data);
      if (expected === undefined) return stored === undefined;
      return stored !== undefined && bytesEqualTo(stored, expected);
    };
    const result = await this.#conditional(path, ctx, holds, () => data);
    return result.ok
      ? { ok: true, version: result.version }
      : { ok: false, current: toEntry(key, result.read) };
  }

  async delete(key: string, ifVersion: string | undefined, ctx: CallContext): Promise<DriverDeleteResult> {
    const path = this.layout.path(key);
    if (ifVersion !== undefined) {
      const version = parseVersion(ifVersion);
      if (version === undefined) return { ok: false, current: await this.get(key, ctx) };
      // A tombstone, never a delete: the znode's version must keep growing (no ABA).
      const sent = await this.conn.write(ctx, (c) => setData(c, path, tombstoneData(), version));
      if (sent.value.ok) return { ok: true, deleted: true };
      const [read] = await this.#reader.after([path], ctx, sent.on);
      return { ok: false, current: toEntry(key, read) };
    }
    const result = await this.#conditional(path, ctx, isLive, tombstoneData);
    return { ok: true, deleted: result.ok };
  }

  transaction(txn: NormalizedTransaction, ctx: CallContext): Promise<TransactionResult> {
    return runTransaction(txn, ctx, this.conn, this.layout, this.#reader);
  }

  async close(): Promise<void> {
    this.conn.close();
  }

  /** An unconditional write: setData, or create the znode the first time. */
  async #putAnyway(path: string, data: Buffer, ctx: CallContext): Promise<CasResult> {
    for (;;) {
      aborted(ctx);
      const written = (await this.conn.write(ctx, (c) => setData(c, path, data, -1))).value;
      if (written.ok) return { ok: true, version: versionToken(written.stat.version) };
      if (written.code !== Exception.NO_NODE) continue;
      const created = await this.conn.write(ctx, (c) => multi(c, this.#creation(path, data), this.conn.acl));
      if (created.value.ok) return { ok: true, version: versionToken(0) };
      // Someone else created it first: the refused create changed nothing, so write again.
    }
  }

  /** A create of a key znode, with the bump of the data znode's version that `list` validates. */
  #creation(path: string, data: Buffer): MultiOp[] {
    return [
      { type: 'create', path, data },
      { type: 'set', path: this.layout.data, data: EMPTY, version: -1 },
    ];
  }

  /**
   * A single-key conditional write: read (plainly, which may be stale), and if `holds` write
   * conditionally on the version read, which the leader checks; a refused write makes the next
   * plain read current. When the condition does not hold on a read that may be stale, it is
   * confirmed on a linearizable read before giving up.
   */
  async #conditional(
    path: string,
    ctx: CallContext,
    holds: (read: Read) => boolean,
    data: () => Buffer,
  ): Promise<{ ok: true; version: string } | { ok: false; read: Read }> {
    let read = await this.#reader.one(path, ctx);
    let current = false;
    for (;;) {
      aborted(ctx);
      if (!holds(read)) {
        if (current) return { ok: false, read };
        read = await this.#reader.freshOne(path, ctx);
        current = true;
        continue;
      }
      const at = read;
      let on: Client;
      if (at === undefined) {
        const created = await this.conn.write(ctx, (c) =>
          multi(c, this.#creation(path, data()), this.conn.acl),
        );
        if (created.value.ok) return { ok: true, version: versionToken(0) };
        on = created.on;
      } else {
        const written = await this.conn.write(ctx, (c) => setData(c, path, data(), at.stat.version));
        if (written.value.ok) return { ok: true, version: versionToken(written.value.stat.version) };
        on = written.on;
      }
      [read] = await this.#reader.after([path], ctx, on);
      current = true;
    }
  }
}
