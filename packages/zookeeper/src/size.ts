import { StoreError } from '@strongbox/core';
import type { MultiOp } from './connection.js';

/**
 * ZooKeeper's default jute.maxbuffer (0xfffff bytes): a server drops the connection of a client
 * whose request is larger, which a client would see as a lost connection (INDETERMINATE for a
 * write). The contract's limits (256 KiB values and transactions) stay far below it; this guard
 * turns a request that would still exceed it into an error before anything is sent.
 */
export const MAX_REQUEST_BYTES = 0xfffff;

// Per op: the multi header (type, done, err: 9 bytes), the path and data lengths, the version or
// flags, rounded up. A create also carries its ACL (a digest id is under 100 bytes).
const OP_OVERHEAD = 32;
const ACL_OVERHEAD = 128;

/** The serialized size of a multi, from above. */
export function multiBytes(ops: readonly MultiOp[]): number {
  let n = 32;
  for (const op of ops) {
    n += OP_OVERHEAD + Buffer.byteLength(op.path, 'utf8');
    if (op.type !== 'check') n += op.data.length;
    if (op.type === 'create') n += ACL_OVERHEAD;
  }
  return n;
}

/** Throws VALUE_TOO_LARGE (writes) or UNSUPPORTED (list validation) when a multi would exceed jute.maxbuffer. */
export function checkMultiSize(ops: readonly MultiOp[], what: 'write' | 'list'): void {
  const bytes = multiBytes(ops);
  if (bytes <= MAX_REQUEST_BYTES) return;
  if (what === 'write') {
    throw new StoreError(
      'VALUE_TOO_LARGE',
      `the ZooKeeper request would be ${bytes} bytes; jute.maxbuffer allows at most ${MAX_REQUEST_BYTES}`,
      { backend: 'zookeeper' },
    );
  }
  throw new StoreError(
    'UNSUPPORTED',
    `list would validate ${ops.length} znodes in one ${bytes}-byte multi; jute.maxbuffer allows at most ${MAX_REQUEST_BYTES}: use a longer prefix or a limit`,
    { backend: 'zookeeper' },
  );
}
