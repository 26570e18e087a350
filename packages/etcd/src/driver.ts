import {
  type CallContext,
  type CasResult,
  contractLimits,
  type Driver,
  type DriverDeleteResult,
  type Entry,
  type NormalizedCondition,
  type NormalizedTransaction,
  type StoreCapabilities,
  type TransactionResult,
  type WriteCondition,
} from '@strongbox/core';
import type { ICompare, IRequestOp, ITxnResponse } from 'etcd3';
import type { EtcdConnection } from './client.js';
import { keyBytes, parseVersion, prefixRange, toEntry, valueBuffer } from './keys.js';

/**
 * What the etcd adapter provides. Reads are linearizable: every range is sent without
 * `serializable`, so etcd confirms its leadership (ReadIndex) before answering.
 */
export const etcdCapabilities: StoreCapabilities = {
  readConsistency: 'linearizable',
  transactions: true,
  watch: false,
  leases: false,
  ...contractLimits,
};

/** A comparison that can never hold: no key has a negative mod revision. */
function never(key: Buffer): ICompare {
  return { key, target: 'Mod', result: 'Equal', mod_revision: '-1' };
}

/** The etcd compare for a strongbox condition on `key`. */
function compare(key: Buffer, c: WriteCondition | NormalizedCondition): ICompare {
  switch (c.type) {
    case 'absent':
      // create_revision is 0 exactly when the key does not exist now.
      return { key, target: 'Create', result: 'Equal', create_revision: '0' };
    case 'present':
      return { key, target: 'Create', result: 'Greater', create_revision: '0' };
    case 'version': {
      const rev = parseVersion(c.version);
      return rev === undefined ? never(key) : { key, target: 'Mod', result: 'Equal', mod_revision: rev };
    }
    case 'value':
      // etcd fails a value comparison on a missing key, so an absent key never matches.
      return { key, target: 'Value', result: 'Equal', value: valueBuffer(c.value) };
  }
}

/**
 * The one operation of a transaction of conditions only. etcd serves a txn whose every operation is
 * a serializable range (vacuously true of none) from the member's own state, without asking the
 * leader: a follower that lags, or one cut off from the quorum, would judge the conditions on stale
 * data. A linearizable range makes etcd confirm with a quorum first; `count_only` keeps it from
 * sending any value back.
 */
function linearizableCheck(key: string): IRequestOp {
  return { request_range: { key: keyBytes(key), count_only: true } };
}

/** The entry read by the failure branch `[{ request_range }]` of a single-key txn. */
function currentOf(res: ITxnResponse, key: string): Entry | undefined {
  const kv = res.responses[0]?.response_range.kvs[0];
  return kv === undefined ? undefined : toEntry(kv, key);
}

/**
 * The strongbox driver over etcd. Each call is one gRPC request: a conditional write is one txn
 * whose failure branch reads the key, so a lost comparison returns the entry that beat it as of
 * the same revision, in the same round trip.
 */
export class EtcdDriver implements Driver {
  readonly backend = 'etcd';
  readonly capabilities = etcdCapabilities;

  constructor(
    private readonly conn: EtcdConnection,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  private get kv() {
    return this.conn.client.kv;
  }

  async get(key: string, ctx: CallContext): Promise<Entry | undefined> {
    const res = await this.conn.run('read', ctx, (o) => this.kv.range({ key: keyBytes(key) }, o));
    const kv = res.kvs[0];
    return kv === undefined ? undefined : toEntry(kv, key);
  }

  async list(prefix: string, limit: number | undefined, ctx: CallContext): Promise<Entry[]> {
    // etcd sorts by key bytes, the store's order, so its limit keeps exactly the first entries.
    const req = limit === undefined ? prefixRange(prefix) : { ...prefixRange(prefix), limit };
    const res = await this.conn.run('read', ctx, (o) => this.kv.range(req, o));
    return res.kvs.map((kv) => toEntry(kv));
  }

  async put(
    key: string,
    value: Uint8Array,
    condition: WriteCondition | undefined,
    ctx: CallContext,
  ): Promise<CasResult> {
    const k = keyBytes(key);
    const v = valueBuffer(value);
    if (condition === undefined) {
      const res = await this.conn.run('write', ctx, (o) => this.kv.put({ key: k, value: v }, o));
      return { ok: true, version: res.header.revision };
    }
    const res = await this.conn.run('write', ctx, (o) =>
      this.kv.txn(
        {
          compare: [compare(k, condition)],
          success: [{ request_put: { key: k, value: v } }],
          failure: [{ request_range: { key: k } }],
        },
        o,
      ),
    );
    // A txn that wrote has bumped the revision once; the put key's mod revision is that revision.
    return res.succeeded
      ? { ok: true, version: res.header.revision }
      : { ok: false, current: currentOf(res, key) };
  }

  async delete(key: string, ifVersion: string | undefined, ctx: CallContext): Promise<DriverDeleteResult> {
    const k = keyBytes(key);
    if (ifVersion === undefined) {
      const res = await this.conn.run('write', ctx, (o) => this.kv.deleteRange({ key: k }, o));
      return { ok: true, deleted: res.deleted !== '0' };
    }
    const res = await this.conn.run('write', ctx, (o) =>
      this.kv.txn(
        {
          compare: [compare(k, { type: 'version', version: ifVersion })],
          success: [{ request_delete_range: { key: k } }],
          failure: [{ request_range: { key: k } }],
        },
        o,
      ),
    );
    return res.succeeded ? { ok: true, deleted: true } : { ok: false, current: currentOf(res, key) };
  }

  async transaction(txn: NormalizedTransaction, ctx: CallContext): Promise<TransactionResult> {
    const compares = txn.conditions.map((c) => compare(keyBytes(c.key), c));
    const ops: IRequestOp[] = txn.operations.map((op) =>
      op.type === 'put'
        ? { request_put: { key: keyBytes(op.key), value: valueBuffer(op.value) } }
        : { request_delete_range: { key: keyBytes(op.key) } },
    );
    // Conditions alone write nothing: a failure is a read's, and a retry is safe.
    const kind = ops.length === 0 ? 'read' : 'write';
    if (ops.length === 0) ops.push(linearizableCheck((txn.conditions[0] as NormalizedCondition).key));
    const res = await this.conn.run(kind, ctx, (o) => this.kv.txn({ compare: compares, success: ops }, o));
    if (!res.succeeded) return { ok: false };
    const versions = new Map<string, string>();
    for (const op of txn.operations) if (op.type === 'put') versions.set(op.key, res.header.revision);
    return { ok: true, versions };
  }

  async close(): Promise<void> {
    this.conn.close();
    await this.onClose();
  }
}
