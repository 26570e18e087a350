import {
  type CallContext,
  type CasResult,
  type Driver,
  type DriverDeleteResult,
  type Entry,
  type NormalizedTransaction,
  type StoreCapabilities,
  StoreError,
  type TransactionResult,
  type WriteCondition,
} from '@strongbox/core';
import { IndexCache } from './cache.js';
import { type ConsulHttp, type RawEntry, type TxnOp, urlSafe } from './client.js';
import {
  checkBodySize,
  encodeValue,
  parseVersion,
  toEntry,
  versionOf,
  versionsOf,
  writeNonce,
} from './codec.js';
import { classifyTxnErrors, deniedError, type RequestKind, unexpectedTxnError } from './errors.js';
import { TxnGroups } from './groups.js';
import { ConsistentReads } from './reads.js';
import { buildTransaction } from './transaction.js';

/**
 * How many times a conditional write is sent again when it lost only a race on the ModifyIndex
 * while its condition still held when re-read (e.g. the same value written again in between).
 * Each retry is one more read and one more write; nothing is ever applied twice.
 */
export const MAX_INDEX_RACES = 16;

/** A single-key condition, including the version check of a conditional delete. */
type KeyCondition = WriteCondition;

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function holds(condition: KeyCondition, current: Entry | undefined): boolean {
  switch (condition.type) {
    case 'absent':
      return current === undefined;
    case 'version':
      return current?.version === condition.version;
    case 'value':
      return current !== undefined && bytesEqual(current.value, condition.value);
  }
}

function gaveUp(key: string, attempts: number): StoreError {
  return new StoreError(
    'UNAVAILABLE',
    `gave up on key ${JSON.stringify(key)} after ${attempts} attempts: each time its condition still held but its ` +
      'ModifyIndex had moved (a concurrent writer rewrote it); nothing was applied',
    { backend: 'consul' },
  );
}

/**
 * The Consul driver. Every read is a `consistent` read (the leader confirms its leadership with a
 * quorum first), every write is one `/v1/txn` call, whose answer carries the written entry's new
 * ModifyIndex: the version. ModifyIndex is a Raft log index, so a version is never handed out
 * twice, not even after a delete and re-create.
 */
export class ConsulDriver implements Driver {
  readonly backend = 'consul';

  readonly #cache = new IndexCache();
  readonly #reads: ConsistentReads;
  readonly #writes: TxnGroups;

  /** `inFlight`: get and single-key write requests out at a time (the config's `consul.readsInFlight`, `consul.writesInFlight`). */
  constructor(
    readonly capabilities: StoreCapabilities,
    private readonly http: ConsulHttp,
    inFlight: { readonly readsInFlight: number; readonly writesInFlight: number },
  ) {
    this.#reads = new ConsistentReads(http, this.#cache, inFlight.readsInFlight);
    this.#writes = new TxnGroups(http, 'write', inFlight.writesInFlight, true);
  }

  /** A consistent read, alone or together with other concurrent gets (see {@link ConsistentReads}). */
  get(key: string, ctx: CallContext): Promise<Entry | undefined> {
    return this.#reads.get(key, ctx);
  }

  async list(prefix: string, _limit: number | undefined, ctx: CallContext): Promise<Entry[]> {
    // Consul has no limit on a tree read; the store applies `limit` after sorting.
    // The txn API refuses an empty prefix ("Must provide key"); the KV endpoint lists everything.
    if (prefix === '' || urlSafe(prefix)) return this.http.kvGet(prefix, true, ctx);
    const out = await this.http.txn([{ KV: { Verb: 'get-tree', Key: prefix } }], 'read', ctx);
    if (!out.ok) {
      if (classifyTxnErrors(out.errors) === 'denied') throw deniedError(out.errors);
      throw new StoreError(
        'INTERNAL',
        `consul refused to list ${JSON.stringify(prefix)}: ${out.errors[0]?.What}`,
        {
          backend: this.backend,
        },
      );
    }
    return out.results.map(toEntry);
  }

  async put(
    key: string,
    value: Uint8Array,
    condition: WriteCondition | undefined,
    ctx: CallContext,
  ): Promise<CasResult> {
    const Value = encodeValue(value);
    let results: readonly RawEntry[];
    if (condition === undefined) {
      const out = await this.writeKey(
        key,
        [{ KV: { Verb: 'set', Key: key, Value, Flags: writeNonce() } }],
        ctx,
      );
      if (!out.ok) throw unexpectedTxnError(out.errors);
      results = out.results;
    } else {
      const out = await this.conditional(key, condition, ctx, (index) => [
        { KV: { Verb: 'cas', Key: key, Value, Index: index, Flags: writeNonce() } },
      ]);
      if (!out.ok) return out;
      results = out.results;
    }
    const version = versionOf(results, key);
    this.#cache.remember(key, value, version);
    return { ok: true, version };
  }

  async delete(key: string, ifVersion: string | undefined, ctx: CallContext): Promise<DriverDeleteResult> {
    if (ifVersion === undefined) {
      // `get` fails the whole transaction when the key is absent, which is how we learn whether
      // the delete deleted anything, in the same round trip.
      const out = await this.writeKey(
        key,
        [{ KV: { Verb: 'get', Key: key } }, { KV: { Verb: 'delete', Key: key } }],
        ctx,
      );
      this.#cache.forget(key);
      if (out.ok) return { ok: true, deleted: true };
      if (classifyTxnErrors(out.errors) === 'absent') return { ok: true, deleted: false };
      throw unexpectedTxnError(out.errors);
    }
    // Not `delete-cas`: Consul answers success for it on an absent key. `check-index` fails there.
    const result = await this.conditional(key, { type: 'version', version: ifVersion }, ctx, (index) => [
      { KV: { Verb: 'check-index', Key: key, Index: index } },
      { KV: { Verb: 'delete', Key: key } },
    ]);
    if (!result.ok) return { ok: false, current: result.current };
    this.#cache.forget(key);
    return { ok: true, deleted: true };
  }

  async transaction(txn: NormalizedTransaction, ctx: CallContext): Promise<TransactionResult> {
    const puts = txn.operations.filter((o) => o.type === 'put').map((o) => o.key);
    const cache = this.#cache;
    for (let attempt = 1; ; attempt++) {
      // First try the indexes this handle last saw holding the compared values; after a loss on
      // them, read.
      const built = await buildTransaction(
        txn,
        (ops) => this.http.txn(ops, 'read', ctx),
        attempt === 1 ? (key, value) => cache.indexOf(key, value) : undefined,
      );
      if (built === undefined) return { ok: false };
      // Conditions alone write nothing: a failure is a read's (a read-only Consul txn, `consistent`).
      const out = await this.write(built.ops, ctx, txn.operations.length === 0 ? 'read' : 'write');
      if (out.ok) {
        const versions = versionsOf(out.results, puts);
        for (const o of txn.operations) {
          if (o.type === 'put') cache.remember(o.key, o.value, versions.get(o.key) as string);
          else cache.forget(o.key);
        }
        return { ok: true, versions };
      }
      if (classifyTxnErrors(out.errors) === 'denied') throw deniedError(out.errors);
      // Failed only on indexes taken from the values read: the values may still hold. The next
      // attempt reads them again and reports a lost comparison if one of them changed.
      if (!out.errors.every((e) => built.valueCheckOps.has(e.OpIndex))) return { ok: false };
      if (attempt >= MAX_INDEX_RACES) throw gaveUp(txn.conditions[0]?.key ?? '', attempt);
    }
  }

  async close(): Promise<void> {
    this.#reads.close();
    this.#writes.close();
    this.http.close();
  }

  /**
   * A conditional single-key write. A lost comparison is reported together with the entry read
   * right after it (a consistent read), and only if that entry still fails the condition: the
   * result is then what the write would have seen at the moment of that read. When the re-read
   * shows the condition holding again (the key was deleted, or rewritten with the expected value),
   * the write is retried against the new index instead.
   *
   * A value condition becomes `cas` on the index at which the key held the expected value: the
   * one this handle last saw (its own last write or read of the key), else one read first.
   *
   * Round trips: version or absent condition: 1, 2 when the comparison is lost. Value condition:
   * 1 when this handle last saw the key hold `expected`, else 2 (1 when the value read differs);
   * +1 when the `cas` loses.
   */
  private async conditional(
    key: string,
    condition: KeyCondition,
    ctx: CallContext,
    ops: (index: number) => TxnOp[],
  ): Promise<{ ok: true; results: readonly RawEntry[] } | { ok: false; current: Entry | undefined }> {
    let index: number | undefined;
    if (condition.type === 'absent') index = 0;
    else if (condition.type === 'version') index = parseVersion(condition.version);
    else {
      index = this.#cache.indexOf(key, condition.value);
      if (index === undefined) {
        const current = await this.get(key, ctx);
        if (current === undefined || !holds(condition, current)) return { ok: false, current };
        index = parseVersion(current.version);
      }
    }
    for (let attempt = 1; ; attempt++) {
      // A malformed version can never match.
      if (index === undefined) return { ok: false, current: await this.get(key, ctx) };
      const out = await this.writeKey(key, ops(index), ctx);
      if (out.ok) return out;
      if (classifyTxnErrors(out.errors) === 'denied') throw deniedError(out.errors);
      const current = await this.get(key, ctx);
      if (!holds(condition, current)) return { ok: false, current };
      if (attempt >= MAX_INDEX_RACES) throw gaveUp(key, attempt);
      index = current === undefined ? 0 : parseVersion(current.version);
    }
  }

  private write(ops: readonly TxnOp[], ctx: CallContext, kind: RequestKind) {
    checkBodySize(ops);
    return this.http.txn(ops, kind, ctx);
  }

  /** A write of `ops`, all on `key`: together with other such writes when more than writesInFlight are out. */
  private writeKey(key: string, ops: readonly TxnOp[], ctx: CallContext) {
    checkBodySize(ops);
    return this.#writes.txn(key, ops, ctx);
  }
}
