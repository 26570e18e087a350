/**
 * The suite proves it can fail: the same runner, on stores that break linearizability the way real adapters
 * can, must return `illegal`; and on a store whose errors are honest but unhelpful it must stay `ok`.
 */
import {
  type CallContext,
  type CasResult,
  type Driver,
  type DriverDeleteResult,
  type Entry,
  MemoryState,
  memoryCapabilities,
  type NormalizedTransaction,
  type Store,
  StoreError,
  storeFromDriver,
  type TransactionResult,
  type WriteCondition,
} from '@strongbox/core';
import { describe, expect, it } from 'vitest';
import { runLinearizability, summarizeRun } from '../src/linearizability/index.js';

/** A correct driver over MemoryState; each broken one overrides what it breaks. */
class Faithful implements Driver {
  readonly backend = 'broken';
  readonly capabilities = memoryCapabilities;
  constructor(protected readonly state: MemoryState) {}
  async get(key: string, _ctx: CallContext): Promise<Entry | undefined> {
    return this.state.get(key);
  }
  async list(prefix: string): Promise<Entry[]> {
    return this.state.list(prefix);
  }
  async put(
    key: string,
    value: Uint8Array,
    c: WriteCondition | undefined,
    _ctx: CallContext,
  ): Promise<CasResult> {
    if (c !== undefined && !this.state.holds({ ...c, key }))
      return { ok: false, current: this.state.get(key) };
    return { ok: true, version: this.state.set(key, value).version };
  }
  async delete(key: string, _ifVersion: string | undefined, _ctx: CallContext): Promise<DriverDeleteResult> {
    return { ok: true, deleted: this.state.remove(key) };
  }
  async transaction(_txn: NormalizedTransaction): Promise<TransactionResult> {
    throw new StoreError('UNSUPPORTED', 'not used by the workload');
  }
  async close(): Promise<void> {}
}

/** Serves reads from a copy that trails the writes by `lagMs`, as a follower read without a quorum would. */
class LaggingReads extends Faithful {
  readonly #copy = new Map<string, Entry>();
  override async get(key: string): Promise<Entry | undefined> {
    return this.#copy.get(key);
  }
  override async put(key: string, value: Uint8Array, c: WriteCondition | undefined, ctx: CallContext) {
    const r = await super.put(key, value, c, ctx);
    this.#follow(key);
    return r;
  }
  override async delete(key: string, ifVersion: string | undefined, ctx: CallContext) {
    const r = await super.delete(key, ifVersion, ctx);
    this.#follow(key);
    return r;
  }
  #follow(key: string): void {
    const entry = this.state.get(key);
    setTimeout(() => {
      if (entry === undefined) this.#copy.delete(key);
      else this.#copy.set(key, entry);
    }, 15);
  }
}

/** Answers ok to a write at once and applies it a little later, as a store acknowledging before commit. */
class AckBeforeApply extends Faithful {
  override async put(key: string, value: Uint8Array, c: WriteCondition | undefined): Promise<CasResult> {
    if (c !== undefined && !this.state.holds({ ...c, key }))
      return { ok: false, current: this.state.get(key) };
    setTimeout(() => this.state.set(key, value), 10);
    return { ok: true, version: 'pending' };
  }
  override async delete(key: string): Promise<DriverDeleteResult> {
    const present = this.state.get(key) !== undefined;
    setTimeout(() => this.state.remove(key), 10);
    return { ok: true, deleted: present };
  }
}

/** Applies some writes and then says UNAVAILABLE, which promises the write did not happen: a lying error map. */
class LiesAboutFailure extends Faithful {
  #n = 0;
  override async put(key: string, value: Uint8Array, c: WriteCondition | undefined, ctx: CallContext) {
    const r = await super.put(key, value, c, ctx);
    if (++this.#n % 7 === 0)
      throw new StoreError('UNAVAILABLE', 'lost the connection (but the write applied)');
    return r;
  }
}

/** Applies some writes and loses the answer (INDETERMINATE), and refuses others up front: honest errors. */
class HonestErrors extends Faithful {
  #n = 0;
  override async put(key: string, value: Uint8Array, c: WriteCondition | undefined, ctx: CallContext) {
    const n = ++this.#n;
    if (n % 11 === 0) throw new StoreError('UNAVAILABLE', 'no leader');
    const r = await super.put(key, value, c, ctx);
    if (n % 5 === 0) throw new StoreError('INDETERMINATE', 'the answer was lost');
    return r;
  }
  override async get(key: string, ctx: CallContext) {
    if (++this.#n % 13 === 0) throw new StoreError('TIMEOUT', 'slow');
    return super.get(key, ctx);
  }
}

function run(name: string, make: (state: MemoryState) => Driver) {
  const state = new MemoryState();
  return runLinearizability({
    name,
    backend: 'broken',
    durationMs: 1_000,
    thinkMs: 1,
    opsPerKey: 100,
    openStore: async (): Promise<Store> => storeFromDriver(make(state)),
  });
}

describe('the linearizability suite on broken stores', () => {
  it('finds stale reads from a lagging copy illegal', async () => {
    const r = await run('lagging reads', (s) => new LaggingReads(s));
    expect(r.check.verdict).toBe('illegal');
    const bad = summarizeRun(r).keys.find((k) => k.verdict === 'illegal');
    // result.json names the operation that cannot be placed after the longest linearizable prefix.
    expect(bad?.violation?.unplaceable.key).toBe(bad?.key);
    expect(bad?.violation?.prefixLength).toBeLessThan(bad?.ops ?? 0);
  });

  it('finds writes acknowledged before they apply illegal', async () => {
    const r = await run('ack before apply', (s) => new AckBeforeApply(s));
    expect(r.check.verdict).toBe('illegal');
  });

  it('finds a write that applied but was reported UNAVAILABLE illegal', async () => {
    const r = await run('lies about failure', (s) => new LiesAboutFailure(s));
    expect(r.check.verdict).toBe('illegal');
  });

  it('stays ok with honest INDETERMINATE, UNAVAILABLE and TIMEOUT errors, continuing as new processes', async () => {
    const r = await run('honest errors', (s) => new HonestErrors(s));
    expect(r.check.verdict).toBe('ok');
    const infos = r.history.filter((e) => e.type === 'info');
    expect(infos.length).toBeGreaterThan(0);
    // Jepsen rule: a process never invokes again after an unknown outcome.
    for (const info of infos) {
      const later = r.history.filter((e) => e.process === info.process && e.time > info.time);
      expect(later).toEqual([]);
    }
    expect(r.counts.read.fail).toBeGreaterThan(0);
  });
});
