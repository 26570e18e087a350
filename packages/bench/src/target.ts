import type { Store } from '@strongbox/core';

/** Which side of the A/B comparison a target is: strongbox's Store or the backend's own npm client. */
export type TargetKind = 'strongbox' | 'raw';

/** The result of a conditional write by version: the new version, or the version that beat it. */
export type VersionedResult =
  | { readonly ok: true; readonly version: string }
  /** `current`: the key's version read when the comparison lost (undefined: absent). */
  | { readonly ok: false; readonly current: string | undefined };

/** One write of a transaction: put `value` at `key` if the key is still at `ifVersion`. */
export interface GuardedPut {
  readonly key: string;
  readonly value: string;
  readonly ifVersion: string;
}

/**
 * What a workload does to a store, whichever client does it. Every implementation gives the same
 * guarantees as strongbox's Store: linearizable reads, a lost comparison reports the winner's
 * version, a transaction is all-or-nothing and returns every new version. Raw targets do the same
 * work the most direct way their client allows, so the A/B ratio is strongbox's own cost.
 */
export interface Target {
  readonly kind: TargetKind;
  /** Unconditional write; returns the new version. */
  put(key: string, value: string): Promise<string>;
  /** Linearizable read: the value and version, or undefined when absent. */
  get(key: string): Promise<{ readonly value: string; readonly version: string } | undefined>;
  /** Writes only if the key is at `version`. */
  putIfVersion(key: string, value: string, version: string): Promise<VersionedResult>;
  /** Writes `next` only if the key holds `expected`; says whether it did. */
  compareAndSwap(key: string, expected: string, next: string): Promise<boolean>;
  /** All of `puts` if every key is still at its version, else none; the new versions in order. */
  transaction(puts: readonly GuardedPut[]): Promise<readonly string[] | undefined>;
  close(): Promise<void>;
}

const decoder = new TextDecoder();

/** A target over a strongbox {@link Store}: the "A" side of every comparison. */
export function storeTarget(store: Store): Target {
  return {
    kind: 'strongbox',
    put: async (key, value) => (await store.put(key, value)).version,
    get: async (key) => {
      const e = await store.get(key);
      return e === undefined ? undefined : { value: decoder.decode(e.value), version: e.version };
    },
    putIfVersion: async (key, value, version) => {
      const r = await store.putIfVersion(key, value, version);
      return r.ok ? r : { ok: false, current: r.current?.version };
    },
    compareAndSwap: async (key, expected, next) => (await store.compareAndSwap(key, expected, next)).ok,
    transaction: async (puts) => {
      const r = await store.transaction({
        conditions: puts.map((p) => ({ type: 'version', key: p.key, version: p.ifVersion })),
        operations: puts.map((p) => ({ type: 'put', key: p.key, value: p.value })),
      });
      return r.ok ? puts.map((p) => r.versions.get(p.key) as string) : undefined;
    },
    close: () => store.close(),
  };
}
