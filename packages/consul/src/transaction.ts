import { type NormalizedTransaction, StoreError } from '@strongbox/core';
import type { TxnOp, TxnOutcome } from './client.js';
import { encodeValue, parseVersion, writeNonce } from './codec.js';
import { classifyTxnErrors, deniedError } from './errors.js';

/** A strongbox transaction as one Consul transaction. */
export interface BuiltTransaction {
  readonly ops: TxnOp[];
  /** Indexes (in `ops`) of the `check-index` ops that stand for value conditions. */
  readonly valueCheckOps: ReadonlySet<number>;
}

/**
 * Maps a transaction to Consul ops, one op per condition or operation, so the contract's 64 items
 * are exactly Consul's 64-op limit:
 * - version → `check-index` on that ModifyIndex;
 * - absent → `check-not-exists`;
 * - present → `get` (it fails the transaction when the key is absent);
 * - value → `check-index` on the ModifyIndex at which the key held the value: the one this handle
 *   last saw (`cached`), else from one consistent read of every value-conditioned key (Consul
 *   cannot compare values itself);
 * - put → `set`, delete → `delete`.
 * Returns undefined when a condition is already known to fail (a value that differs or a key that
 * is absent in that read, or a version this store cannot have issued): the transaction then
 * fails at that read, or at any point, without being sent.
 */
export async function buildTransaction(
  txn: NormalizedTransaction,
  read: (ops: readonly TxnOp[]) => Promise<TxnOutcome>,
  cached?: (key: string, value: Uint8Array) => number | undefined,
): Promise<BuiltTransaction | undefined> {
  const indexes = fromCache(txn, cached) ?? (await readValueIndexes(txn, read));
  if (indexes === undefined) return undefined;
  const ops: TxnOp[] = [];
  const valueCheckOps = new Set<number>();
  for (const c of txn.conditions) {
    switch (c.type) {
      case 'version': {
        const index = parseVersion(c.version);
        if (index === undefined) return undefined;
        ops.push({ KV: { Verb: 'check-index', Key: c.key, Index: index } });
        break;
      }
      case 'absent':
        ops.push({ KV: { Verb: 'check-not-exists', Key: c.key } });
        break;
      case 'present':
        ops.push({ KV: { Verb: 'get', Key: c.key } });
        break;
      case 'value':
        valueCheckOps.add(ops.length);
        ops.push({ KV: { Verb: 'check-index', Key: c.key, Index: indexes.get(c.key) as number } });
        break;
    }
  }
  for (const o of txn.operations) {
    ops.push(
      o.type === 'put'
        ? { KV: { Verb: 'set', Key: o.key, Value: encodeValue(o.value), Flags: writeNonce() } }
        : { KV: { Verb: 'delete', Key: o.key } },
    );
  }
  return { ops, valueCheckOps };
}

/** The indexes of every value-conditioned key from `cached`, or undefined unless all are known. */
function fromCache(
  txn: NormalizedTransaction,
  cached: ((key: string, value: Uint8Array) => number | undefined) | undefined,
): Map<string, number> | undefined {
  if (cached === undefined) return undefined;
  const indexes = new Map<string, number>();
  for (const c of txn.conditions) {
    if (c.type !== 'value') continue;
    const index = cached(c.key, c.value);
    if (index === undefined || (indexes.has(c.key) && indexes.get(c.key) !== index)) return undefined;
    indexes.set(c.key, index);
  }
  return indexes;
}

/**
 * Reads every key with a value condition in one consistent read transaction and returns the
 * ModifyIndex of each, or undefined when a value differs or a key is absent.
 */
async function readValueIndexes(
  txn: NormalizedTransaction,
  read: (ops: readonly TxnOp[]) => Promise<TxnOutcome>,
): Promise<Map<string, number> | undefined> {
  const keys = [...new Set(txn.conditions.filter((c) => c.type === 'value').map((c) => c.key))];
  const indexes = new Map<string, number>();
  if (keys.length === 0) return indexes;
  const out = await read(keys.map((Key) => ({ KV: { Verb: 'get', Key } })));
  if (!out.ok) {
    const kind = classifyTxnErrors(out.errors);
    if (kind === 'absent') return undefined;
    if (kind === 'denied') throw deniedError(out.errors);
    throw new StoreError('INTERNAL', `consul refused to read the compared keys: ${out.errors[0]?.What}`, {
      backend: 'consul',
    });
  }
  const found = new Map(out.results.map((r) => [r.Key, r]));
  for (const c of txn.conditions) {
    if (c.type !== 'value') continue;
    const raw = found.get(c.key);
    if (raw === undefined) {
      throw new StoreError(
        'PERMISSION_DENIED',
        `the consul token may not read key ${JSON.stringify(c.key)}`,
        {
          backend: 'consul',
        },
      );
    }
    const value = raw.Value === null ? Buffer.alloc(0) : Buffer.from(raw.Value, 'base64');
    if (!value.equals(c.value)) return undefined;
    indexes.set(c.key, raw.ModifyIndex);
  }
  return indexes;
}
