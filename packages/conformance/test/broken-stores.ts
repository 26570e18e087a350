/**
 * Deliberately broken stores: each breaks one rule of the contract the way real adapters can.
 * The contract suite must fail on every one of them, or it proves nothing.
 */
import {
  type CallContext,
  type CasResult,
  type DriverDeleteResult,
  type Entry,
  MemoryDriver,
  MemoryState,
  type NormalizedTransaction,
  type Store,
  storeFromDriver,
  type TransactionResult,
  type WriteCondition,
} from '@strongbox/core';

/** The faithful memory driver; each broken store below overrides one method of it. */
class FaithfulDriver extends MemoryDriver {
  override readonly backend = 'broken';
}

/** Applies only the first half of a transaction's operations (a crash between writes). */
class HalfTransaction extends FaithfulDriver {
  override async transaction(txn: NormalizedTransaction, ctx: CallContext): Promise<TransactionResult> {
    const half =
      txn.operations.length > 1
        ? txn.operations.slice(0, Math.ceil(txn.operations.length / 2))
        : txn.operations;
    return super.transaction({ conditions: txn.conditions, operations: half }, ctx);
  }
}

/** A version CAS that ignores the version (putIfVersion and version conditions always hold). */
class CasIgnoresVersion extends FaithfulDriver {
  override async put(key: string, value: Uint8Array, c: WriteCondition | undefined, ctx: CallContext) {
    return super.put(key, value, c?.type === 'version' ? undefined : c, ctx);
  }
  override async delete(key: string, _ifVersion: string | undefined, ctx: CallContext) {
    return super.delete(key, undefined, ctx);
  }
  override async transaction(txn: NormalizedTransaction, ctx: CallContext) {
    return super.transaction(
      { conditions: txn.conditions.filter((c) => c.type !== 'version'), operations: txn.operations },
      ctx,
    );
  }
}

/** Versions count per key and restart after delete, like ZooKeeper's dataVersion (ABA). */
class VersionsReused extends FaithfulDriver {
  readonly #counters = new Map<string, number>();
  #local = new Map<string, string>(); // real version -> per-key version
  private view(e: Entry | undefined): Entry | undefined {
    return e && { ...e, version: this.#local.get(e.version) ?? e.version };
  }
  private real(key: string, v: string): string {
    const e = this.state.get(key);
    return e && this.#local.get(e.version) === v ? e.version : `unknown-${v}`;
  }
  private fresh(key: string, real: string): string {
    const n = (this.#counters.get(key) ?? 0) + 1;
    this.#counters.set(key, n);
    this.#local.set(real, `${key}#${n}`);
    return `${key}#${n}`;
  }
  override async get(key: string, ctx: CallContext) {
    return this.view(await super.get(key, ctx));
  }
  override async list(prefix: string, limit: number | undefined, ctx: CallContext) {
    return (await super.list(prefix, limit, ctx)).map((e) => this.view(e) as Entry);
  }
  override async put(
    key: string,
    value: Uint8Array,
    c: WriteCondition | undefined,
    ctx: CallContext,
  ): Promise<CasResult> {
    const cond = c?.type === 'version' ? { type: 'version' as const, version: this.real(key, c.version) } : c;
    const r = await super.put(key, value, cond, ctx);
    return r.ok
      ? { ok: true, version: this.fresh(key, r.version) }
      : { ok: false, current: this.view(r.current) };
  }
  override async delete(
    key: string,
    ifVersion: string | undefined,
    ctx: CallContext,
  ): Promise<DriverDeleteResult> {
    const r = await super.delete(key, ifVersion === undefined ? undefined : this.real(key, ifVersion), ctx);
    if (r.ok && r.deleted) this.#counters.delete(key); // the bug: numbering starts again
    return r.ok ? r : { ok: false, current: this.view(r.current) };
  }
  override async transaction(txn: NormalizedTransaction, ctx: CallContext): Promise<TransactionResult> {
    const conditions = txn.conditions.map((c) =>
      c.type === 'version' ? { ...c, version: this.real(c.key, c.version) } : c,
    );
    const r = await super.transaction({ conditions, operations: txn.operations }, ctx);
    if (!r.ok) return r;
    for (const op of txn.operations) if (op.type === 'delete') this.#counters.delete(op.key);
    return { ok: true, versions: new Map([...r.versions].map(([k, v]) => [k, this.fresh(k, v)])) };
  }
}

/** Keeps a copy of each key that lags one write behind (a follower's state). */
class LaggingCopy extends FaithfulDriver {
  readonly #lagging = new Map<string, Entry | undefined>();
  readonly #pending = new Map<string, Entry | undefined>();
  private record(key: string): void {
    this.#lagging.set(key, this.#pending.get(key));
    this.#pending.set(key, this.state.get(key));
  }
  /** The key as the lagging copy holds it. */
  protected lagged(key: string): Entry | undefined {
    return this.#pending.has(key) ? this.#lagging.get(key) : this.state.get(key);
  }
  override async put(key: string, value: Uint8Array, c: WriteCondition | undefined, ctx: CallContext) {
    const r = await super.put(key, value, c, ctx);
    this.record(key);
    return r;
  }
  override async delete(key: string, v: string | undefined, ctx: CallContext) {
    const r = await super.delete(key, v, ctx);
    this.record(key);
    return r;
  }
}

/** Reads come from the lagging copy (a follower serving reads). */
class StaleReads extends LaggingCopy {
  override async get(key: string, _ctx: CallContext) {
    return this.lagged(key);
  }
}

/**
 * Transactions of conditions only are judged on the lagging copy, while get stays current: etcd
 * serves a txn without operations as a serializable read from the member it reaches.
 */
class StaleChecks extends LaggingCopy {
  override async transaction(txn: NormalizedTransaction, ctx: CallContext): Promise<TransactionResult> {
    if (txn.operations.length > 0) return super.transaction(txn, ctx);
    const holds = txn.conditions.every((c) => {
      const e = this.lagged(c.key);
      if (c.type === 'absent') return e === undefined;
      if (c.type === 'present') return e !== undefined;
      if (c.type === 'version') return e?.version === c.version;
      return e !== undefined && Buffer.from(e.value).equals(Buffer.from(c.value));
    });
    return holds ? { ok: true, versions: new Map() } : { ok: false };
  }
}

/** Check-then-set with a gap: compare and write are not atomic, so concurrent CAS both win. */
class RacyCompare extends FaithfulDriver {
  override async put(
    key: string,
    value: Uint8Array,
    c: WriteCondition | undefined,
    ctx: CallContext,
  ): Promise<CasResult> {
    if (c !== undefined && !this.state.holds({ ...c, key }))
      return { ok: false, current: this.state.get(key) };
    await new Promise((r) => setImmediate(r));
    return super.put(key, value, undefined, ctx);
  }
}

/** A lost comparison thrown as an exception instead of returned as a result. */
class ThrowsOnLostCompare extends FaithfulDriver {
  override async put(key: string, value: Uint8Array, c: WriteCondition | undefined, ctx: CallContext) {
    const r = await super.put(key, value, c, ctx);
    if (!r.ok) throw new Error('compare failed');
    return r;
  }
}

/** A write of the bytes already stored is skipped and keeps the old version (Consul's ModifyIndex does). */
class SkipsNoOpWrites extends FaithfulDriver {
  override async put(
    key: string,
    value: Uint8Array,
    c: WriteCondition | undefined,
    ctx: CallContext,
  ): Promise<CasResult> {
    const e = this.state.get(key);
    if (e !== undefined && Buffer.from(e.value).equals(Buffer.from(value))) {
      if (c === undefined || this.state.holds({ ...c, key })) return { ok: true, version: e.version };
    }
    return super.put(key, value, c, ctx);
  }
}

/** Each broken store, with the contract rule it breaks. */
export const brokenStores: Record<string, () => (state: MemoryState) => Store> = {
  'a transaction that applies half': () => (s) => storeFromDriver(new HalfTransaction(s)),
  'a CAS that ignores the version': () => (s) => storeFromDriver(new CasIgnoresVersion(s)),
  'versions reused after delete': () => (s) => storeFromDriver(new VersionsReused(s)),
  'a stale read': () => (s) => storeFromDriver(new StaleReads(s)),
  'a stale check (a transaction of conditions only)': () => (s) => storeFromDriver(new StaleChecks(s)),
  'a racy check-then-set CAS': () => (s) => storeFromDriver(new RacyCompare(s)),
  'a lost comparison thrown as an error': () => (s) => storeFromDriver(new ThrowsOnLostCompare(s)),
  'no-op writes that keep the old version': () => (s) => storeFromDriver(new SkipsNoOpWrites(s)),
};

export { MemoryState };
