import type { ChildProcess } from 'node:child_process';
import { pidAlive } from '@strongbox/cluster';
import { afterEach, describe, expect, it } from 'vitest';
import { configSnippet } from '../src/commands/up.js';
import { spawnCli } from './spawn-cli.js';

// `up` runs until it is told to stop: a failing test must not leave one behind.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Runs `strongbox <args>`, killed after the test if it is still running. */
function cli(args: string[]) {
  const run = spawnCli(args);
  children.push(run.child);
  return { ...run, exit: run.exit.then((r) => r.code) };
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
    expect(pids.filter(pidAlive)).toEqual([]);
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
