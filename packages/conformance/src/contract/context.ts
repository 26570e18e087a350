import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type ErrorCode, prefixed, type Store, StoreError, toText } from '@strongbox/core';

/** What a contract case gets: handles to one backend, all under a key prefix of its own. */
export interface CaseContext {
  /** The first replica's handle, namespaced under this case's prefix. */
  readonly store: Store;
  /** Every replica's handle (a separate connection each), namespaced under the same prefix. */
  readonly replicas: readonly Store[];
  /** The first replica without a prefix, for tests of exact key limits. */
  readonly raw: Store;
  /** This case's own random key prefix (used on `raw`). */
  readonly prefix: string;
  /** Opens one more handle (the suite's factory); the case must close it. */
  readonly open: () => Promise<Store>;
}

/** One rule of the contract, as a test. */
export interface ContractCase {
  readonly group: string;
  readonly name: string;
  /** Per-case time limit; the concurrency cases need longer on real clusters. */
  readonly timeoutMs?: number;
  run(ctx: CaseContext): Promise<void>;
}

/** Builds a case context over already-open replica handles. */
export function caseContext(raw: readonly Store[], open: () => Promise<Store>): CaseContext {
  const first = raw[0];
  if (first === undefined) throw new Error('the contract suite needs at least one store handle');
  const prefix = `sbx-${randomUUID().slice(0, 8)}/`;
  const replicas = raw.map((s) => prefixed(s, prefix));
  return { store: replicas[0] as Store, replicas, raw: first, prefix, open };
}

/** Asserts that `promise` rejects with a StoreError of the given code; returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<StoreError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof StoreError, `expected a StoreError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected a StoreError ${code}, but the call succeeded`);
}

/** Asserts that calling `fn` throws or rejects with a StoreError of `code`, whether synchronously or not. */
export function failsWith(fn: () => Promise<unknown>, code: ErrorCode): Promise<StoreError> {
  let p: Promise<unknown>;
  try {
    p = fn();
  } catch (err) {
    p = Promise.reject(err);
  }
  return rejectsWith(p, code);
}

/** The text of a key's value, or undefined when absent. */
export async function textOf(store: Store, key: string): Promise<string | undefined> {
  const e = await store.get(key);
  return e === undefined ? undefined : toText(e.value);
}

/** Runs `n` async tasks at once and returns their results in order. */
export function parallel<T>(n: number, task: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => task(i)));
}
