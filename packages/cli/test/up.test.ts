import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { configSnippet } from '../src/commands/up.js';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// `up` runs until it is told to stop: a failing test must not leave one behind.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Runs `strongbox <args>` from source with a pipe (not a TTY) for stdout. */
function cli(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@strongbox/source', main, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.includes(text)) resolve();
      };
      child.stdout.on('data', check);
      check();
      void exit.then((code) => reject(new Error(`exited ${code} before "${text}":\n${out}\n${err}`)));
    });
  return { child, exit, waitFor, output: () => out, errors: () => err };
}

describe('strongbox up', () => {
  it('starts a cluster with progress, prints endpoints and a config snippet, stops on SIGINT', async () => {
    const run = cli(['up', '--backend', 'etcd', '--nodes', '1', '--log-level', 'warn']);
    await run.waitFor('press Ctrl-C to stop');
    const out = run.output();
    // Plain progress lines when stdout is not a terminal.
    expect(out).toMatch(/^\[\s*\d+\.\ds\] using etcd 3\.5\.\d+/m);
    expect(out).toMatch(/quorum write succeeded/);
    const endpoints = /^endpoints: (.+)$/m.exec(out)?.[1]?.split(',') ?? [];
    expect(endpoints).toHaveLength(1);
    const snippet = /config snippet[^\n]*\n(\{[\s\S]*?\n\})/.exec(out)?.[1] ?? '';
    expect(JSON.parse(snippet)).toEqual({ backend: 'etcd', endpoints });
    const pids = [...out.matchAll(/^ +n\d+ +\S+ +pid (\d+)/gm)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(1);
    const status = await fetch(`http://${endpoints[0]}/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
    });
    expect(status.status).toBe(200);

    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.output()).toMatch(/SIGINT: stopping etcd cluster…\nstopped/);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('rejects bad options with the usage and exit code 2', async () => {
    const run = cli(['up', '--backend', 'mysql', '--nodes', '0']);
    expect(await run.exit).toBe(2);
    expect(run.errors()).toMatch(/--backend/);
    expect(run.errors()).toMatch(/--nodes/);
    expect(run.errors()).toMatch(/usage: strongbox up/);
  });

  it('makes a snippet that matches the store config shape', () => {
    expect(JSON.parse(configSnippet('consul', ['127.0.0.1:1', '127.0.0.1:2']))).toEqual({
      backend: 'consul',
      endpoints: ['127.0.0.1:1', '127.0.0.1:2'],
    });
  });
});
