import { bytesEqual } from './bytes.js';
import { contractLimits, type StoreCapabilities } from './capabilities.js';
import type { CallContext, Driver, DriverDeleteResult, WriteCondition } from './driver.js';
import { type DriverStoreOptions, storeFromDriver } from './store.js';
import type { CasResult, Entry, Store, TransactionResult } from './types.js';
import type { NormalizedCondition, NormalizedTransaction } from './validate.js';

/** The capabilities of the in-memory store. */
export const memoryCapabilities: StoreCapabilities = {
  readConsistency: 'linearizable',
  transactions: true,
  watch: false,
  leases: false,
  ...contractLimits,
};

/**
 * The data behind one or more in-memory store handles. Share one between handles to model several
 * replicas of a service talking to one store. Every operation runs to completion synchronously on
 * the event loop, so the store is linearizable and its transactions atomic by construction.
 */
export class MemoryState {
  readonly #entries = new Map<string, Entry>();
  // One counter for the whole store, as etcd's revision: a version is never handed out twice,
  // so a token taken before a delete can never match the key's next incarnation.
  #revision = 0;

  get(key: string): Entry | undefined {
    return this.#entries.get(key);
  }

  list(prefix: string): Entry[] {
    return [...this.#entries.values()].filter((e) => e.key.startsWith(prefix));
  }

  set(key: string, value: Uint8Array): Entry {
    // A copy: the caller's bytes may be a Buffer, whose slice() is a view of the same memory.
    const entry: Entry = { key, value: new Uint8Array(value), version: String(++this.#revision) };
    this.#entries.set(key, entry);
    return entry;
  }

  remove(key: string): boolean {
    return this.#entries.delete(key);
  }

  holds(c: NormalizedCondition): boolean {
    const e = this.#entries.get(c.key);
    switch (c.type) {
      case 'absent':
        return e === undefined;
      case 'present':
        return e !== undefined;
      case 'version':
        return e?.version === c.version;
      case 'value':
        return e !== undefined && bytesEqual(e.value, c.value);
    }
  }
}

/** An entry the caller may change without changing the store (as a real backend's answer). */
function copyOf(e: Entry | undefined): Entry | undefined {
  return e === undefined ? undefined : { key: e.key, value: new Uint8Array(e.value), version: e.version };
}

/**
 * The driver behind the in-memory store. Exported so test doubles (the conformance suite's
 * deliberately broken stores) can override one method and keep the rest faithful.
 */
export class MemoryDriver implements Driver {
  readonly backend: string = 'memory';
  readonly capabilities = memoryCapabilities;

  constructor(protected readonly state: MemoryState) {}

  async get(key: string, _ctx?: CallContext): Promise<Entry | undefined> {
    return copyOf(this.state.get(key));
  }

  async list(prefix: string, _limit?: number, _ctx?: CallContext): Promise<Entry[]> {
    return this.state.list(prefix).map((e) => copyOf(e) as Entry);
  }

  async put(
    key: string,
    value: Uint8Array,
    condition: WriteCondition | undefined,
    _ctx?: CallContext,
  ): Promise<CasResult> {
    if (condition !== undefined && !this.state.holds({ ...condition, key })) {
      return { ok: false, current: copyOf(this.state.get(key)) };
    }
    return { ok: true, version: this.state.set(key, value).version };
  }

  async delete(key: string, ifVersion: string | undefined, _ctx?: CallContext): Promise<DriverDeleteResult> {
    if (ifVersion !== undefined && !this.state.holds({ type: 'version', key, version: ifVersion })) {
      return { ok: false, current: copyOf(this.state.get(key)) };
    }
    return { ok: true, deleted: this.state.remove(key) };
  }

  async transaction(txn: NormalizedTransaction, _ctx?: CallContext): Promise<TransactionResult> {
    if (!txn.conditions.every((c) => this.state.holds(c))) return { ok: false };
    const versions = new Map<string, string>();
    for (const op of txn.operations) {
      if (op.type === 'put') versions.set(op.key, this.state.set(op.key, op.value).version);
      else this.state.remove(op.key);
    }
    return { ok: true, versions };
  }

  async close(): Promise<void> {}
}

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions extends DriverStoreOptions {
  /** Share data with other handles. @default a new, empty state */
  state?: MemoryState;
}

/**
 * The in-memory reference store: the model every adapter is held against.
 * @example
 * const state = new MemoryState();
 * const a = createMemoryStore({ state }), b = createMemoryStore({ state }); // two replicas
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  return storeFromDriver(new MemoryDriver(options.state ?? new MemoryState()), options);
}
