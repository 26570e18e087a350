import { utf8Length } from './bytes.js';
import type { CallContext, Driver, DriverDeleteResult, WriteCondition } from './driver.js';
import { StoreError } from './errors.js';
import { storeFromDriver } from './store.js';
import type { CallOptions, CasResult, Entry, Store, TransactionResult } from './types.js';
import type { NormalizedTransaction } from './validate.js';

/**
 * A driver that adds a prefix to every key of an inner store. Going through {@link storeFromDriver}
 * means keys are checked against the limit that is left after the prefix, and messages name the
 * caller's key, not the prefixed one.
 */
class PrefixDriver implements Driver {
  readonly backend: string;
  readonly capabilities;

  constructor(
    private readonly inner: Store,
    private readonly prefix: string,
  ) {
    this.backend = inner.backend;
    this.capabilities = {
      ...inner.capabilities,
      maxKeyBytes: inner.capabilities.maxKeyBytes - utf8Length(prefix),
    };
  }

  private opts(ctx: CallContext): CallOptions {
    // Without a caller's timeout the inner store applies its own default deadline.
    return ctx.timeoutGiven
      ? { signal: ctx.signal, timeoutMs: Math.max(1, ctx.deadline - Date.now()) }
      : { signal: ctx.signal };
  }

  private strip(e: Entry | undefined): Entry | undefined {
    return e && { key: e.key.slice(this.prefix.length), value: e.value, version: e.version };
  }

  private stripCas(r: CasResult): CasResult {
    return r.ok ? r : { ok: false, current: this.strip(r.current) };
  }

  async get(key: string, ctx: CallContext): Promise<Entry | undefined> {
    return this.strip(await this.inner.get(this.prefix + key, this.opts(ctx)));
  }

  async list(prefix: string, limit: number | undefined, ctx: CallContext): Promise<Entry[]> {
    const opts = limit === undefined ? this.opts(ctx) : { ...this.opts(ctx), limit };
    const entries = await this.inner.list(this.prefix + prefix, opts);
    return entries.map((e) => this.strip(e) as Entry);
  }

  async put(
    key: string,
    value: Uint8Array,
    c: WriteCondition | undefined,
    ctx: CallContext,
  ): Promise<CasResult> {
    const k = this.prefix + key;
    const o = this.opts(ctx);
    if (c === undefined) {
      const { version } = await this.inner.put(k, value, o);
      return { ok: true, version };
    }
    switch (c.type) {
      case 'absent':
        return this.stripCas(await this.inner.putIfAbsent(k, value, o));
      case 'version':
        return this.stripCas(await this.inner.putIfVersion(k, value, c.version, o));
      case 'value':
        return this.stripCas(await this.inner.compareAndSwap(k, c.value, value, o));
    }
  }

  async delete(key: string, ifVersion: string | undefined, ctx: CallContext): Promise<DriverDeleteResult> {
    const k = this.prefix + key;
    if (ifVersion === undefined) return { ok: true, ...(await this.inner.delete(k, this.opts(ctx))) };
    const r = await this.inner.deleteIfVersion(k, ifVersion, this.opts(ctx));
    return r.ok ? { ok: true, deleted: true } : { ok: false, current: this.strip(r.current) };
  }

  async transaction(txn: NormalizedTransaction, ctx: CallContext): Promise<TransactionResult> {
    const p = this.prefix;
    const r = await this.inner.transaction(
      {
        conditions: txn.conditions.map((c) => ({ ...c, key: p + c.key })),
        operations: txn.operations.map((o) => ({ ...o, key: p + o.key })),
      },
      this.opts(ctx),
    );
    if (!r.ok) return r;
    return { ok: true, versions: new Map([...r.versions].map(([k, v]) => [k.slice(p.length), v])) };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Namespaces every key of `store` under `prefix`; stack them for nested namespaces.
 * Closing the prefixed store closes the inner one.
 * @example
 * const channels = prefixed(prefixed(store, 'network/'), 'org/group/payment-channel/');
 */
export function prefixed(store: Store, prefix: string): Store {
  if (typeof prefix !== 'string' || prefix.length === 0 || !prefix.isWellFormed()) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `prefix must be a non-empty well-formed string, got ${JSON.stringify(prefix)}`,
      {
        backend: store.backend,
      },
    );
  }
  if (utf8Length(prefix) >= store.capabilities.maxKeyBytes) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `prefix must be shorter than the ${store.capabilities.maxKeyBytes}-byte key limit, got ${utf8Length(prefix)} bytes`,
      { backend: store.backend },
    );
  }
  return storeFromDriver(new PrefixDriver(store, prefix), { requestTimeoutMs: 2 ** 31 - 1 });
}
