import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pidAlive } from '../src/process/pids.js';
import { sweepTemporaryDataDirs } from '../src/tempdirs.js';

const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/** Polls until none of `pids` is alive or the deadline passes; returns the survivors. */
async function survivors(pids: number[], withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = pids.filter(pidAlive);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Parents that idle forever must not outlive a failing test.
const parents: ChildProcess[] = [];
afterEach(() => {
  for (const c of parents.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/**
 * Runs a parent process that starts a cluster, prints its server pids and then does `then`.
 * Resolves with the pids once printed, and the child for the test to end.
 */
async function parentWithCluster(backend: string, nodes: number, then: string) {
  const code = `
    const { startCluster } = await import(${JSON.stringify(index)});
    const c = await startCluster({ backend: ${JSON.stringify(backend)}, nodes: ${nodes} });
    console.log('DIR ' + c.dataDir);
    console.log('PIDS ' + JSON.stringify(c.nodes.map((n) => n.pid)));
    ${then}
  `;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@strongbox/source', '--input-type=module', '-e', code],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  parents.push(child);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const lines = createInterface({ input: child.stdout });
  let dataDir = '';
  const pids = await new Promise<number[]>((resolve, reject) => {
    lines.on('line', (l) => {
      if (l.startsWith('DIR ')) dataDir = l.slice(4);
      if (l.startsWith('PIDS ')) resolve(JSON.parse(l.slice(5)) as number[]);
    });
    child.on('exit', (c, s) => reject(new Error(`parent exited (${c ?? s}) before starting:\n${stderr}`)));
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return { child, pids, exited, dataDir };
}

describe('no orphan servers', () => {
  it('after the parent is SIGKILLed (watchdogs see the pipe close)', async () => {
    const { child, pids, exited, dataDir } = await parentWithCluster(
      'etcd',
      3,
      'setInterval(() => {}, 1000);',
    );
    expect(pids).toHaveLength(3);
    expect(pids.every(pidAlive)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(await survivors(pids, 5_000)).toEqual([]);
    // Its temp data dir outlives it, marked with its dead owner, until a cluster start sweeps the
    // dirs of dead owners. A cluster started by another test worker may sweep it at any moment.
    let owner: string | undefined;
    try {
      owner = readFileSync(join(dataDir, '.strongbox-owner'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (owner !== undefined) expect(owner).toBe(String(child.pid));
    sweepTemporaryDataDirs();
    expect(existsSync(dataDir)).toBe(false);
  });

  it('after an uncaught error in the parent', async () => {
    const { pids, exited } = await parentWithCluster(
      'etcd',
      1,
      "setTimeout(() => { throw new Error('boom'); }, 10);",
    );
    await exited;
    expect(await survivors(pids, 5_000)).toEqual([]);
  });

  it('after SIGTERM and after a parent that just finishes', async () => {
    const a = await parentWithCluster('etcd', 1, 'setInterval(() => {}, 1000);');
    a.child.kill('SIGTERM');
    await a.exited;
    // A parent whose work is done exits even though servers run: nothing keeps it alive.
    const b = await parentWithCluster('etcd', 1, '');
    await b.exited;
    expect(await survivors([...a.pids, ...b.pids], 5_000)).toEqual([]);
  });
});
