import { toBytes, utf8Length } from './bytes.js';
import type { StoreCapabilities } from './capabilities.js';
import { StoreError } from './errors.js';
import type { Condition, Operation, TransactionSpec } from './types.js';

/** A condition with its value as bytes, as adapters receive it. */
export type NormalizedCondition =
  | { readonly type: 'version'; readonly key: string; readonly version: string }
  | { readonly type: 'value'; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'absent'; readonly key: string }
  | { readonly type: 'present'; readonly key: string };

/** An operation with its value as bytes, as adapters receive it. */
export type NormalizedOperation =
  | { readonly type: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly key: string };

/** A validated transaction. */
export interface NormalizedTransaction {
  readonly conditions: readonly NormalizedCondition[];
  readonly operations: readonly NormalizedOperation[];
}

function invalid(message: string, backend: string): StoreError {
  return new StoreError('INVALID_ARGUMENT', message, { backend });
}

/** Checks a key against the contract: non-empty, well-formed UTF-8, within the byte limit. */
export function checkKey(key: unknown, caps: StoreCapabilities, backend: string, what = 'key'): string {
  if (typeof key !== 'string') throw invalid(`${what} must be a string, got ${typeof key}`, backend);
  const n = utf8Length(key);
  if (n === 0 || n > caps.maxKeyBytes) {
    throw invalid(`${what} must be 1..${caps.maxKeyBytes} bytes of UTF-8, got ${n}`, backend);
  }
  if (!key.isWellFormed())
    throw invalid(`${what} ${JSON.stringify(key)} is not well-formed UTF-16/UTF-8`, backend);
  return key;
}

/** Checks a list prefix: like a key, but may be empty. */
export function checkPrefix(prefix: unknown, caps: StoreCapabilities, backend: string): string {
  if (prefix === '') return '';
  return checkKey(prefix, caps, backend, 'prefix');
}

/** Checks a value and returns its bytes. */
export function checkValue(
  value: unknown,
  key: string,
  caps: StoreCapabilities,
  backend: string,
): Uint8Array {
  if (typeof value === 'string') {
    if (!value.isWellFormed())
      throw invalid(`value for key ${JSON.stringify(key)} is not well-formed UTF-16`, backend);
  } else if (!(value instanceof Uint8Array)) {
    throw invalid(`value for key ${JSON.stringify(key)} must be a Uint8Array or a string`, backend);
  }
  const bytes = toBytes(value);
  if (bytes.byteLength > caps.maxValueBytes) {
    throw new StoreError(
      'VALUE_TOO_LARGE',
      `value for key ${JSON.stringify(key)} must be at most ${caps.maxValueBytes} bytes, got ${bytes.byteLength}`,
      { backend },
    );
  }
  return bytes;
}

/** Checks a version token. */
export function checkVersion(version: unknown, backend: string): string {
  if (typeof version !== 'string' || version.length === 0) {
    throw invalid(
      `version must be a non-empty string returned by this store, got ${JSON.stringify(version)}`,
      backend,
    );
  }
  return version;
}

/** Checks a per-call timeout. */
export function checkTimeout(timeoutMs: unknown, backend: string): void {
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs))
  ) {
    throw invalid(`timeoutMs must be a positive finite number, got ${String(timeoutMs)}`, backend);
  }
}

function normalizeCondition(c: Condition, caps: StoreCapabilities, backend: string): NormalizedCondition {
  const key = checkKey(c?.key, caps, backend, 'condition key');
  switch (c.type) {
    case 'version':
      return { type: 'version', key, version: checkVersion(c.version, backend) };
    case 'value':
      return { type: 'value', key, value: checkValue(c.value, key, caps, backend) };
    case 'absent':
    case 'present':
      return { type: c.type, key };
    default:
      throw invalid(
        `condition type must be version, value, absent or present, got ${String((c as { type: unknown }).type)}`,
        backend,
      );
  }
}

function normalizeOperation(o: Operation, caps: StoreCapabilities, backend: string): NormalizedOperation {
  const key = checkKey(o?.key, caps, backend, 'operation key');
  switch (o.type) {
    case 'put':
      return { type: 'put', key, value: checkValue(o.value, key, caps, backend) };
    case 'delete':
      return { type: 'delete', key };
    default:
      throw invalid(
        `operation type must be put or delete, got ${String((o as { type: unknown }).type)}`,
        backend,
      );
  }
}

/**
 * Validates a transaction against the contract before anything is sent: keys, values, at most one
 * operation per key, and the item and byte limits (refused whole, never split).
 */
export function normalizeTransaction(
  spec: TransactionSpec,
  caps: StoreCapabilities,
  backend: string,
): NormalizedTransaction {
  if (spec === null || typeof spec !== 'object' || !Array.isArray(spec.operations)) {
    throw invalid('transaction must be { conditions?: Condition[], operations: Operation[] }', backend);
  }
  const rawConditions = spec.conditions ?? [];
  if (!Array.isArray(rawConditions)) throw invalid('transaction conditions must be an array', backend);
  const items = rawConditions.length + spec.operations.length;
  if (items === 0) throw invalid('transaction must have at least one condition or operation', backend);
  if (items > caps.maxTransactionItems) {
    throw invalid(
      `transaction must have at most ${caps.maxTransactionItems} conditions and operations together, got ${items}`,
      backend,
    );
  }
  const conditions = rawConditions.map((c) => normalizeCondition(c, caps, backend));
  const operations = spec.operations.map((o) => normalizeOperation(o, caps, backend));
  const seen = new Set<string>();
  let bytes = 0;
  for (const o of operations) {
    if (seen.has(o.key))
      throw invalid(`transaction writes key ${JSON.stringify(o.key)} more than once`, backend);
    seen.add(o.key);
    bytes += utf8Length(o.key) + (o.type === 'put' ? o.value.byteLength : 0);
  }
  for (const c of conditions) bytes += utf8Length(c.key) + (c.type === 'value' ? c.value.byteLength : 0);
  if (bytes > caps.maxTransactionBytes) {
    throw new StoreError(
      'VALUE_TOO_LARGE',
      `transaction keys and values must add up to at most ${caps.maxTransactionBytes} bytes, got ${bytes}`,
      { backend },
    );
  }
  return { conditions, operations };
}
