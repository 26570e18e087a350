import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore, MemoryState, StoreError } from '@strongbox/core';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHistory } from '../src/checker/index.js';
import { parseHistory } from '../src/history/parse.js';
import {
  classify,
  createClock,
  KeySpace,
  type NemesisCluster,
  Recorder,
  runLinearizability,
  type summarizeRun,
  writeRun,
} from '../src/linearizability/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('linearizability on the memory store', () => {
  it('records a concurrent history that checks ok, and writes a replayable run', async () => {
    const state = new MemoryState();
    const run = await runLinearizability({
      name: 'memory',
      backend: 'memory',
      durationMs: 1_500,
      thinkMs: 1,
      opsPerKey: 100,
      openStore: async () => createMemoryStore({ state }),
    });
    expect(run.check.verdict).toBe('ok');
    expect(run.nemesis).toBe('none');
    expect(run.unreadKeys).toEqual([]);
    // Five clients ran concurrently and rotated through keys.
    expect(new Set(run.history.map((e) => e.process)).size).toBeGreaterThanOrEqual(6);
    expect(run.check.keys.length).toBeGreaterThan(3);
    expect(run.counts.cas.ok).toBeGreaterThan(0);
    expect(run.counts.cas.fail).toBeGreaterThan(0);
    expect(run.throughput.opsPerSec).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), 'lin-memory-'));
    dirs.push(dir);
    const files = writeRun(run, dir);
    for (const f of [files.history, files.faults, files.result, files.report])
      expect(existsSync(f)).toBe(true);
    // Replay: the file alone gives the same verdict.
    const replayed = checkHistory(parseHistory(readFileSync(files.history, 'utf8')));
    expect(replayed.verdict).toBe('ok');
    expect(replayed.ops).toBe(run.check.ops);
    const result = JSON.parse(readFileSync(files.result, 'utf8')) as ReturnType<typeof summarizeRun>;
    expect(result.verdict).toBe('ok');
    expect(result.totals.ok + result.totals.fail + result.totals.info).toBe(run.check.ops);
  });

  it('ends every key with a final read by a fresh process', async () => {
    const state = new MemoryState();
    const run = await runLinearizability({
      name: 'memory final reads',
      backend: 'memory',
      durationMs: 300,
      thinkMs: 1,
      openStore: async () => createMemoryStore({ state }),
    });
    const last = Math.max(...run.history.map((e) => Number(e.process)));
    const finalKeys = run.history.filter((e) => e.process === last && e.type === 'ok').map((e) => e.key);
    expect(new Set(finalKeys)).toEqual(new Set(run.check.keys.map((k) => k.key)));
    expect(run.history.filter((e) => e.process === last && e.f !== 'read')).toEqual([]);
  });
});

describe('the nemesis schedule', () => {
  /** Nodes that only change state, and log what was done to them. */
  function fakeCluster(log: string[]): NemesisCluster {
    const nodes = ['n1', 'n2', 'n3'].map((name) => {
      const node = {
        name,
        state: 'running',
        kill: async () => {
          log.push(`kill ${name}`);
          node.state = 'killed';
        },
        pause: () => {
          log.push(`pause ${name}`);
          node.state = 'paused';
        },
        resume: () => {
          log.push(`resume ${name}`);
          node.state = 'running';
        },
        restart: async () => {
          log.push(`restart ${name}`);
          node.state = 'running';
        },
      };
      return node;
    });
    return { nodes, leader: async () => nodes[1] };
  }

  for (const [kind, heal] of [
    ['kill-leader', 'restart'],
    ['pause-leader', 'resume'],
  ] as const) {
    it(`${kind}: alternates faults and heals on the history's clock, and leaves every node running`, async () => {
      const log: string[] = [];
      const cluster = fakeCluster(log);
      const state = new MemoryState();
      const run = await runLinearizability({
        name: kind,
        backend: 'memory',
        // Room for two fault cycles (4 × 100 ms) even when the event loop lags on a busy machine.
        durationMs: 2_000,
        thinkMs: 1,
        openStore: async () => createMemoryStore({ state }),
        nemesis: { cluster, kind, faultMs: 100, healMs: 100 },
      });
      expect(run.nemesis).toBe(kind);
      expect(run.faults.length).toBeGreaterThanOrEqual(2);
      const verb = kind === 'kill-leader' ? 'kill' : 'pause';
      expect(log.slice(0, 4)).toEqual([`${verb} n2`, `${heal} n2`, `${verb} n2`, `${heal} n2`]);
      const last = Math.max(...run.history.map((e) => e.time));
      for (const f of run.faults) {
        expect(f).toMatchObject({ kind, node: 'n2', leader: true });
        expect(f.end).toBeGreaterThan(f.start);
        expect(f.end).toBeLessThan(last);
      }
      expect(cluster.nodes.every((n) => n.state === 'running')).toBe(true);
      expect(run.check.verdict).toBe('ok');
    });
  }
});

describe('the recorder', () => {
  it('classifies errors: definite failures fail, everything else on a write is unknown', () => {
    expect(classify('write', new StoreError('UNAVAILABLE', 'down'))).toEqual({
      type: 'fail',
      error: 'UNAVAILABLE',
    });
    expect(classify('cas', new StoreError('TIMEOUT', 'late'))).toEqual({ type: 'fail', error: 'TIMEOUT' });
    expect(classify('cas', new StoreError('INDETERMINATE', '?'))).toEqual({
      type: 'info',
      error: 'INDETERMINATE',
    });
    expect(classify('delete', new StoreError('INTERNAL', '?'))).toEqual({ type: 'info', error: 'INTERNAL' });
    expect(classify('create', new Error('boom'))).toEqual({ type: 'info', error: 'Error: boom' });
    // A read changes nothing: any error is a plain failure.
    expect(classify('read', new StoreError('INDETERMINATE', '?'))).toEqual({
      type: 'fail',
      error: 'INDETERMINATE',
    });
  });

  it('stamps invoke before completion on a monotonic clock and completes an operation once', () => {
    const recorder = new Recorder(createClock());
    const op = recorder.invoke(0, 'cas', 'k', ['a', 'b']);
    op.complete({ type: 'fail' });
    op.complete({ type: 'ok' });
    expect(recorder.events).toHaveLength(2);
    const [inv, done] = recorder.events;
    expect(inv).toMatchObject({ process: 0, type: 'invoke', f: 'cas', key: 'k', value: ['a', 'b'] });
    expect(done).toMatchObject({ process: 0, type: 'fail', f: 'cas', key: 'k' });
    expect(done).not.toHaveProperty('error');
    expect(Number(done?.time)).toBeGreaterThanOrEqual(Number(inv?.time));
    expect(recorder.counts.cas).toEqual({ ok: 0, fail: 1, info: 0 });
  });

  it('rotates keys after their share of operations and offers recently seen cas values', () => {
    let x = 0;
    const keys = new KeySpace('p/', 2, 3, () => {
      x = (x + 0.37) % 1;
      return x;
    });
    for (let i = 0; i < 12; i++) keys.pick();
    expect(keys.all.length).toBeGreaterThanOrEqual(5);
    expect(keys.all.every((k) => k.startsWith('p/'))).toBe(true);
    keys.saw('p/0', 'v1');
    keys.saw('p/0', 'v2');
    const seen = new Set(Array.from({ length: 50 }, () => keys.expected('p/0')));
    expect(seen.has('v2')).toBe(true);
    expect([...seen].every((v) => ['v1', 'v2', 'never-written'].includes(v))).toBe(true);
  });
});
