import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  type CallContext,
  createMemoryStore,
  type Driver,
  MemoryState,
  memoryCapabilities,
  type StoreError,
  storeFromDriver,
} from '../src/index.js';

/**
 * A fake driver whose calls hang until their signal fires: no server can be made to hang on
 * demand at an exact point, and these tests are about the deadline logic shared by all adapters.
 */
function hangingDriver(log: string[]): Driver {
  const hang = (what: string, ctx: CallContext) =>
    new Promise<never>((_, reject) => {
      log.push(what);
      ctx.signal.addEventListener('abort', () => reject(new Error(`${what} cancelled`)), { once: true });
    });
  return {
    backend: 'fake',
    capabilities: memoryCapabilities,
    get: (_k, ctx) => hang('get', ctx),
    list: (_p, _l, ctx) => hang('list', ctx),
    put: (_k, _v, _c, ctx) => hang('put', ctx),
    delete: (_k, _v, ctx) => hang('delete', ctx),
    transaction: (_t, ctx) => hang('transaction', ctx),
    close: async () => {
      log.push('close');
    },
  };
}

describe('deadlines, abort and close (shared by every adapter)', () => {
  it('a read past its deadline is TIMEOUT; a write past its deadline is INDETERMINATE', async () => {
    const log: string[] = [];
    const store = storeFromDriver(hangingDriver(log));
    await expect(store.get('k', { timeoutMs: 20 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const err = (await store.put('k', 'v', { timeoutMs: 20 }).catch((e: unknown) => e)) as StoreError;
    expect(err.code).toBe('INDETERMINATE');
    expect((err.cause as StoreError).code).toBe('TIMEOUT');
    await expect(
      store.transaction({ operations: [{ type: 'delete', key: 'k' }] }, { timeoutMs: 20 }),
    ).rejects.toMatchObject({
      code: 'INDETERMINATE',
    });
    // A transaction of conditions only writes nothing, so it is a read.
    await expect(
      store.transaction({ conditions: [{ type: 'absent', key: 'k' }], operations: [] }, { timeoutMs: 20 }),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(log).toEqual(['get', 'put', 'transaction', 'transaction']);
  });

  it('the default deadline is requestTimeoutMs', async () => {
    const store = storeFromDriver(hangingDriver([]), { requestTimeoutMs: 30 });
    await expect(store.get('k')).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('30 ms'),
    });
  });

  it('an abort while in flight is ABORTED for reads and INDETERMINATE for writes; the driver sees the signal', async () => {
    const log: string[] = [];
    const store = storeFromDriver(hangingDriver(log));
    const a = new AbortController();
    const read = store.get('k', { signal: a.signal });
    const b = new AbortController();
    const write = store.putIfAbsent('k', 'v', { signal: b.signal });
    a.abort();
    b.abort();
    const c = new AbortController();
    const check = store.transaction(
      { conditions: [{ type: 'present', key: 'k' }], operations: [] },
      { signal: c.signal },
    );
    c.abort();
    await expect(read).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(write).rejects.toMatchObject({ code: 'INDETERMINATE' });
    await expect(check).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it("a settled call, answered or past its deadline, removes its listener from the caller's signal", async () => {
    const store = createMemoryStore();
    const signal = new AbortController();
    await store.put('k', 'v', { signal: signal.signal });
    const read = await store.get('k', { signal: signal.signal });
    expect(new TextDecoder().decode(read?.value)).toBe('v');
    expect(getEventListeners(signal.signal, 'abort')).toHaveLength(0);
    // Lost a race: the deadline settles the call, which must also let go of the signal.
    const hanging = storeFromDriver(hangingDriver([]));
    const late = new AbortController();
    await expect(hanging.get('k', { signal: late.signal, timeoutMs: 10 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    expect(getEventListeners(late.signal, 'abort')).toHaveLength(0);
    // Aborting the signals afterwards reaches no call, and the store works on.
    late.abort();
    signal.abort();
    expect(await store.get('k')).toMatchObject({ key: 'k' });
  });

  it('bad input is refused before the driver is called', async () => {
    const log: string[] = [];
    const store = storeFromDriver(hangingDriver(log));
    await expect(store.put('', 'v')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'key must be 1..1024 bytes of UTF-8, got 0',
    });
    await expect(store.put('k', new Uint8Array(300_000))).rejects.toMatchObject({
      code: 'VALUE_TOO_LARGE',
      message: 'value for key "k" must be at most 262144 bytes, got 300000',
    });
    await expect(store.putIfVersion('k', 'v', '')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(log).toEqual([]);
  });

  it('an unexpected driver error is INTERNAL on reads and INDETERMINATE on writes, keeping the cause', async () => {
    const boom = new Error('boom');
    const driver: Driver = {
      ...hangingDriver([]),
      get: async () => Promise.reject(boom),
      put: async () => Promise.reject(boom),
    };
    const store = storeFromDriver(driver);
    await expect(store.get('k')).rejects.toMatchObject({ code: 'INTERNAL', cause: boom });
    await expect(store.put('k', 'v')).rejects.toMatchObject({ code: 'INDETERMINATE', cause: boom });
  });

  it('close is idempotent, closes the driver once, and later calls fail with CLOSED', async () => {
    const log: string[] = [];
    const store = storeFromDriver(hangingDriver(log));
    await Promise.all([store.close(), store.close()]);
    await store[Symbol.asyncDispose]();
    expect(log).toEqual(['close']);
    await expect(store.get('k')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('update', () => {
  it('never retries after an error: an INDETERMINATE commit ends the loop', async () => {
    const state = new MemoryState();
    const inner = createMemoryStore({ state });
    let commits = 0;
    const driver: Driver = {
      ...hangingDriver([]),
      get: (k) => inner.get(k),
      transaction: async () => {
        commits++;
        return Promise.reject(new Error('connection reset after send'));
      },
    };
    const store = storeFromDriver(driver);
    await expect(
      store.update(['k'], () => ({ operations: [{ type: 'put', key: 'k', value: 'v' }] })),
    ).rejects.toMatchObject({
      code: 'INDETERMINATE',
    });
    expect(commits).toBe(1);
  });

  it('rejects an empty key list and a bad maxAttempts', async () => {
    const store = createMemoryStore();
    await expect(store.update([], () => undefined)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.update(['k'], () => undefined, { maxAttempts: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
