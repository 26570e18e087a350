import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pidAlive } from '@strongbox/cluster';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from './spawn-cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs `strongbox check <args>`; sends SIGINT once stdout shows `interruptOn`. */
function check(args: string[], interruptOn?: string) {
  const run = spawnCli(['check', ...args]);
  if (interruptOn !== undefined) {
    run
      .waitFor(interruptOn)
      .then(() => run.child.kill('SIGINT'))
      .catch(() => {});
  }
  return run.exit;
}

/** Polls `ok` until it holds or `ms` pass. */
async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function reportPath(out: string, nemesis: string): string {
  const m = new RegExp(`^report \\(${nemesis}\\): (.+)$`, 'm').exec(out);
  expect(m, out).not.toBeNull();
  const p = (m?.[1] ?? '').trim();
  return isAbsolute(p) ? p : resolve(process.cwd(), p);
}

describe('strongbox check', () => {
  it('passes the memory store and prints the verdict table, throughput and report path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-memory-'));
    dirs.push(dir);
    const { code, out, err } = await check(['--backend', 'memory', '--time', '3', '--out', dir]);
    expect(code, `${out}\n${err}`).toBe(0);
    expect(out).toMatch(/^suite\s+verdict\s+ops\s+ok\s+fail\s+info\s+faults\s+ops\/s$/m);
    expect(out).toMatch(/^contract\s+passed\s+(\d+)\/\1$/m);
    expect(out).toMatch(/^linearizability: none\s+ok\s+\d+\s+\d+\s+\d+\s+0\s+0\s+[\d.]+$/m);
    expect(out).toMatch(/^throughput: [\d.]+ ops\/s \([\d.]+ ok\/s\) over [\d.]+ s$/m);
    expect(out).toMatch(/^PASSED: memory$/m);
    const report = reportPath(out, 'none');
    expect(report).toBe(join(dir, 'none', 'report.html'));
    expect(existsSync(report)).toBe(true);
    const result = JSON.parse(readFileSync(join(dir, 'none', 'result.json'), 'utf8')) as { verdict: string };
    expect(result.verdict).toBe('ok');
    expect(existsSync(join(dir, 'none', 'history.jsonl'))).toBe(true);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
      passed: boolean;
      linearizability: Array<{ nemesis: string; verdict: string; report: string }>;
    };
    expect(summary.passed).toBe(true);
    expect(summary.linearizability).toMatchObject([{ nemesis: 'none', verdict: 'ok', report }]);
  }, 60_000);

  it('reports every bad argument at once and exits 2', async () => {
    const { code, err } = await check([
      '--backend',
      'redis',
      '--nodes',
      '0',
      '--time',
      'x',
      '--nemesis',
      'flood',
    ]);
    expect(code).toBe(2);
    expect(err).toContain("--backend must be one of etcd, consul, zookeeper, memory, got 'redis'");
    expect(err).toContain("--nodes must be 1..7, got '0'");
    expect(err).toContain("--time must be a positive number of seconds, got 'x'");
    expect(err).toContain("--nemesis takes a list of kill, kill-leader, pause, pause-leader, got 'flood'");
  }, 30_000);

  it('stops on Ctrl-C during the contract suite and leaves no etcd server running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-etcd-'));
    dirs.push(dir);
    const { code, out } = await check(['--backend', 'etcd', '--out', dir], 'strongbox check: etcd');
    expect(code, out).toBe(130);
    const pids = [...out.matchAll(/n\d pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(3);
    await until(() => pids.every((pid) => !pidAlive(pid)), 10_000, `etcd pids ${pids.join(', ')} to end`);
  }, 90_000);

  it('stops a linearizability run on Ctrl-C, still checks and writes what it recorded, exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-interrupt-'));
    dirs.push(dir);
    const { code, out } = await check(
      ['--backend', 'memory', '--time', '600', '--out', dir],
      'none: workload',
    );
    expect(code, out).toBe(130);
    expect(out).toMatch(/^linearizability: none\s+ok\s+\d+/m);
    expect(out).toMatch(/^FAILED: memory$/m);
    expect(existsSync(join(dir, 'none', 'history.jsonl'))).toBe(true);
  }, 60_000);
});
