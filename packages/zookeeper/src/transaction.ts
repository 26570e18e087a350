import type {
  CallContext,
  NormalizedCondition,
  NormalizedOperation,
  NormalizedTransaction,
  TransactionResult,
} from '@strongbox/core';
import { StoreError } from '@strongbox/core';
import { type Connection, type MultiOp, multi, type Read } from './connection.js';
import {
  bytesEqualTo,
  decodeData,
  encodeLive,
  type Layout,
  parseVersion,
  tombstoneData,
  versionToken,
} from './layout.js';
import type { Reader } from './reads.js';
import { checkMultiSize } from './size.js';

const EMPTY = Buffer.alloc(0);

interface KeyPlan {
  readonly key: string;
  readonly path: string;
  readonly conditions: NormalizedCondition[];
  op: NormalizedOperation | undefined;
}

/**
 * Why an op is in the multi. A refused `token` check, or a refused `op` that carries its key's
 * version condition (`token: true`), is a false condition; anything else refused is a stale read.
 */
type Role =
  | { readonly kind: 'token' | 'pin' }
  | {
      readonly kind: 'op';
      readonly key: string;
      readonly put: boolean;
      readonly created: boolean;
      readonly token: boolean;
    };

/** What an operation writes into its key's znode: the live value, or a tombstone for a delete. */
function dataOf(op: NormalizedOperation): Buffer {
  return op.type === 'put' ? encodeLive(op.value) : tombstoneData();
}

/** Whether a condition holds on a read of its key. */
function holdsOn(c: NormalizedCondition, read: Read): boolean {
  const value = decodeData(read?.data);
  switch (c.type) {
    case 'absent':
      return value === undefined;
    case 'present':
      return value !== undefined;
    case 'version':
      return value !== undefined && read?.stat.version === parseVersion(c.version);
    case 'value':
      return value !== undefined && bytesEqualTo(value, c.value);
  }
}

/**
 * A transaction as one multi. A key whose conditions are all version conditions is checked by the
 * leader directly, with no read: by `setData(path, data, version)` when the key has an operation
 * (a delete writes a tombstone), else by `check(path, version)`; the leader refusing one means
 * the condition is false. (A token is only ever handed out for a live entry, and a tombstone's
 * version is never one, so a version match means the key is live at that version.) Every other
 * key involved is read first; its conditions are evaluated on that read and pinned in the multi
 * to the version read (`check`, or the `setData` of its operation; a key without a znode is pinned
 * by creating it, with a tombstone when the transaction does not put it). The multi commits only
 * if nothing read has changed, so the conditions held at its commit point; if a pin fails the
 * reads were stale and the attempt is repeated with reads that are then current. A condition
 * found false on a read that may be stale is confirmed on a linearizable read before the
 * transaction reports `ok: false`. So a transaction whose keys all carry version conditions,
 * the usual read-modify-write, is one request.
 */
export async function runTransaction(
  txn: NormalizedTransaction,
  ctx: CallContext,
  conn: Connection,
  layout: Layout,
  reader: Reader,
): Promise<TransactionResult> {
  const plans = new Map<string, KeyPlan>();
  const plan = (key: string): KeyPlan => {
    let p = plans.get(key);
    if (!p) {
      p = { key, path: layout.path(key), conditions: [], op: undefined };
      plans.set(key, p);
    }
    return p;
  };
  for (const c of txn.conditions) {
    // A token this adapter never hands out matches no entry, whatever the state.
    if (c.type === 'version' && parseVersion(c.version) === undefined) return { ok: false };
    plan(c.key).conditions.push(c);
  }
  for (const o of txn.operations) plan(o.key).op = o;
  const all = [...plans.values()];
  // Keys the leader checks by version alone, with the one version each must be at.
  const direct = new Map<KeyPlan, number>();
  for (const p of all) {
    if (p.conditions.length === 0 || p.conditions.some((c) => c.type !== 'version')) continue;
    const versions = new Set(p.conditions.map((c) => (c.type === 'version' ? parseVersion(c.version) : -1)));
    // Two different versions of one key cannot both hold.
    if (versions.size > 1) return { ok: false };
    direct.set(p, [...versions][0] as number);
  }
  const read = all.filter((p) => !direct.has(p));
  const paths = read.map((p) => p.path);

  let reads = paths.length === 0 ? [] : await reader.plain(paths, ctx);
  let current = false;
  for (;;) {
    if (ctx.cancelled) throw ctx.cancelled;
    const failed = read.some((p, i) => !p.conditions.every((c) => holdsOn(c, reads[i])));
    if (failed) {
      if (current) return { ok: false };
      reads = await reader.fresh(paths, ctx);
      current = true;
      continue;
    }
    const ops: MultiOp[] = [];
    const roles: Role[] = [];
    for (const [p, version] of direct) {
      const op = p.op;
      if (op) {
        ops.push({ type: 'set', path: p.path, data: dataOf(op), version });
        roles.push({ kind: 'op', key: p.key, put: op.type === 'put', created: false, token: true });
      } else {
        ops.push({ type: 'check', path: p.path, version });
        roles.push({ kind: 'token' });
      }
    }
    let creates = false;
    read.forEach((p, i) => {
      const at = reads[i];
      const pinned = p.conditions.length > 0;
      if (p.op) {
        const data = dataOf(p.op);
        if (at) ops.push({ type: 'set', path: p.path, data, version: pinned ? at.stat.version : -1 });
        else ops.push({ type: 'create', path: p.path, data });
        roles.push({ kind: 'op', key: p.key, put: p.op.type === 'put', created: !at, token: false });
        creates ||= !at;
      } else if (pinned) {
        if (at) ops.push({ type: 'check', path: p.path, version: at.stat.version });
        else ops.push({ type: 'create', path: p.path, data: tombstoneData() });
        roles.push({ kind: 'pin' });
        creates ||= !at;
      }
    });
    // Key creations bump the data znode's version, which `list` validates.
    if (creates) {
      ops.push({ type: 'set', path: layout.data, data: EMPTY, version: -1 });
      roles.push({ kind: 'pin' });
    }
    checkMultiSize(ops, 'write');
    const sent = await conn.write(ctx, (c) => multi(c, ops, conn.acl), txn.operations.length === 0);
    const result = sent.value;
    if (result.ok) {
      const versions = new Map<string, string>();
      roles.forEach((role, i) => {
        if (role.kind !== 'op' || !role.put) return;
        const version = role.created ? 0 : result.stats[i]?.version;
        if (version === undefined) {
          throw new StoreError(
            'INDETERMINATE',
            'ZooKeeper committed the multi but returned no stat for a setData',
            {
              backend: 'zookeeper',
            },
          );
        }
        versions.set(role.key, versionToken(version));
      });
      return { ok: true, versions };
    }
    const refused = roles[result.index];
    if (refused?.kind === 'token' || (refused?.kind === 'op' && refused.token)) return { ok: false };
    reads = await reader.after(paths, ctx, sent.on);
    current = true;
  }
}
