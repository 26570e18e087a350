import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { Deadlines } from '../src/deadlines.js';
import { type Driver, memoryCapabilities, type StoreError, storeFromDriver } from '../src/index.js';

/** A driver whose calls never settle by themselves (nothing but the store's deadline ends them). */
const silentDriver: Driver = {
  backend: 'fake',
  capabilities: memoryCapabilities,
  get: () => new Promise<never>(() => {}),
  list: () => new Promise<never>(() => {}),
  put: () => new Promise<never>(() => {}),
  delete: () => new Promise<never>(() => {}),
  transaction: () => new Promise<never>(() => {}),
  close: async () => {},
};

/** Runs `code` (an ES module body, with `core` bound to this package's source) in a fresh Node process. */
function runChild(code: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const index = join(import.meta.dirname, '..', 'src', 'index.ts');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const core = await import(${JSON.stringify(index)});\n${code}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.on('exit', (c) => resolve({ code: c, stdout, stderr })));
}

describe('call deadlines: one timer per store', () => {
  it('each pending deadline expires at its own time, earliest first, whatever the order added; a deleted one never', async () => {
    const deadlines = new Deadlines();
    const fired: Array<[string, number]> = [];
    let lateFired: () => void = () => {};
    const lateDone = new Promise<void>((r) => {
      lateFired = r;
    });
    const t0 = performance.now();
    const at = (name: string, ms: number) => ({
      at: t0 + ms,
      expire: () => {
        fired.push([name, performance.now() - t0]);
        if (name === 'late') lateFired();
      },
    });
    const late = at('late', 150);
    const early = at('early', 30);
    const gone = at('gone', 60);
    deadlines.add(late);
    deadlines.add(early);
    deadlines.add(gone);
    deadlines.delete(gone);
    // The last deadline: by then the deleted one (60 ms) would have fired too.
    await lateDone;
    expect(fired.map(([name]) => name)).toEqual(['early', 'late']);
    const [[, earlyAt], [, lateAt]] = fired as [[string, number], [string, number]];
    // Each at its own deadline: never before it, and the early one long before the late one's.
    expect(earlyAt).toBeGreaterThanOrEqual(30);
    expect(earlyAt).toBeLessThan(150);
    expect(lateAt).toBeGreaterThanOrEqual(150);
    expect(deadlines.size).toBe(0);
  });

  it('a short call started after a long one times out at its own deadline, not the long one’s', async () => {
    const store = storeFromDriver(silentDriver, { requestTimeoutMs: 60_000 });
    const stopLong = new AbortController();
    const long = store.get('a', { signal: stopLong.signal }).then(
      () => undefined,
      (e: unknown) => e as StoreError,
    );
    const t0 = performance.now();
    const short = (await store.get('b', { timeoutMs: 40 }).catch((e: unknown) => e)) as StoreError;
    const took = performance.now() - t0;
    expect(short.code).toBe('TIMEOUT');
    // Its own 40 ms, not the long call's 60 s (the test would time out long before).
    expect(took).toBeGreaterThanOrEqual(39);
    const aborted = new AbortController();
    const third = store.get('c', { signal: aborted.signal }).then(
      () => undefined,
      (e: unknown) => e as StoreError,
    );
    aborted.abort();
    expect((await third)?.code).toBe('ABORTED');
    stopLong.abort();
    expect((await long)?.code).toBe('ABORTED');
  });

  it('a pending call keeps the process alive until its deadline; an idle store does not', async () => {
    // The driver's promise holds no handle of its own: only the store's timer keeps the process
    // up, and the call must end as TIMEOUT, not with the process exiting under it.
    const pending = await runChild(`
      const store = core.storeFromDriver({
        backend: 'fake', capabilities: core.memoryCapabilities,
        get: () => new Promise(() => {}), list: () => new Promise(() => {}), put: () => new Promise(() => {}),
        delete: () => new Promise(() => {}), transaction: () => new Promise(() => {}), close: async () => {},
      }, { requestTimeoutMs: 600_000 });
      const err = await store.get('k', { timeoutMs: 300 }).catch((e) => e);
      console.log('ended ' + err.code);
    `);
    expect(pending, pending.stderr).toMatchObject({ code: 0, stdout: 'ended TIMEOUT\n' });
    // Two calls pending when the loop runs empty: held up to the first deadline, and on to the second.
    const two = await runChild(`
      const hung = () => new Promise(() => {});
      const store = core.storeFromDriver({
        backend: 'fake', capabilities: core.memoryCapabilities,
        get: hung, list: hung, put: hung, delete: hung, transaction: hung, close: async () => {},
      }, { requestTimeoutMs: 600_000 });
      const started = performance.now();
      const ends = await Promise.all([300, 700].map((timeoutMs) =>
        store.get('k', { timeoutMs }).catch((e) => e.code + ' after ' + (performance.now() - started >= timeoutMs))));
      console.log(ends.join(', '));
    `);
    expect(two, two.stderr).toMatchObject({ code: 0, stdout: 'TIMEOUT after true, TIMEOUT after true\n' });
    // After its calls settle, a store with a 10-minute default deadline lets the process end now
    // (the test's own timeout would fail it long before the 10 minutes).
    const idle = await runChild(`
      const store = core.createMemoryStore({ requestTimeoutMs: 600_000 });
      await store.put('k', 'v');
      console.log('read ' + core.toText((await store.get('k')).value));
    `);
    expect(idle, idle.stderr).toMatchObject({ code: 0, stdout: 'read v\n' });
  });
});
