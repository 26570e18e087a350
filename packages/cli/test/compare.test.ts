import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CompareReport } from '@strongbox/bench';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, runHeadless } from '../../../scripts/ensure-chromium.mjs';

const root = resolve(import.meta.dirname, '../../..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `strongbox-${name}-`));
  dirs.push(d);
  return d;
}

/**
 * Runs `strongbox compare` through scripts/run-ts.mjs in a process group of its own, so a test can
 * send Ctrl-C to the whole group as a terminal does.
 */
function compare(args: string[]): { child: ChildProcess; exit: Promise<number | null>; out: () => string } {
  const argv = ['scripts/run-ts.mjs', 'packages/cli/src/main.ts', 'compare', ...args];
  const child = spawn(process.execPath, argv, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d;
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exit, out: () => out };
}

function refused(endpoint: string): Promise<boolean> {
  const [host, port] = endpoint.split(':');
  return new Promise((r) => {
    const s = connect(Number(port), host as string);
    s.once('connect', () => {
      s.destroy();
      r(false);
    });
    s.once('error', () => r(true));
  });
}

describe('strongbox compare', () => {
  it('measures etcd, writes every figure to JSON and an HTML report that renders', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.mjs (npm test's pretest does)`);
    const dir = tempDir('compare');
    const run = compare([
      ...['--backends', 'etcd', '--nodes', '3', '--time', '1', '--workers', '2', '--repeats', '1'],
      ...['--lin-time', '2', '--recoveries', '1', '--out', dir],
    ]);
    expect(await run.exit, run.out()).toBe(0);
    expect(run.out()).toContain('sb/raw');

    const report = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8')) as CompareReport;
    expect(report.interrupted).toBe(false);
    expect(report.machine.cores).toBeGreaterThan(0);
    const [etcd] = report.backends;
    if (!etcd) throw new Error('no etcd figures');
    expect(etcd.error).toBeUndefined();
    expect(etcd.server.version).toMatch(/^3\./);
    expect(etcd.client).toMatchObject({ package: 'etcd3' });
    expect(etcd.readyMs).toBeGreaterThan(0);
    expect(etcd.recovery?.electionMs.median).toBeGreaterThan(0);
    expect(etcd.recovery?.writeMs.median).toBeGreaterThan(0);
    expect(etcd.linearizability.map((l) => [l.nemesis, l.verdict])).toEqual([
      ['kill-leader', 'ok'],
      ['pause-leader', 'ok'],
    ]);
    expect(etcd.cells).toHaveLength(6);
    for (const cell of etcd.cells) {
      for (const side of [cell.strongbox, cell.raw]) {
        expect(side.errors, side.firstError).toBe(0);
        for (const f of [side.opsPerSec, side.p50Ms, side.p95Ms, side.p99Ms, side.cpuUsPerOp]) {
          expect(f.median).toBeGreaterThan(0);
        }
        // Counted on the servers: every strongbox and raw etcd operation is one gRPC call.
        expect(side.roundTripsPerOp.median, `${cell.workload} ×${cell.workers}`).toBe(1);
      }
      expect(cell.ratio.median).toBeGreaterThan(0);
    }

    const html = join(dir, 'compare.html');
    const dom = runHeadless(['--virtual-time-budget=5000', '--dump-dom', `file://${html}`]);
    // One worker count: a throughput chart, latency, ratio; each drawn (a blank canvas is a tiny PNG).
    expect(dom).toContain('data-charts="3"');
    const drawn = [...dom.matchAll(/data-drawn="(\d+)"/g)].map((m) => Number(m[1]));
    expect(drawn).toHaveLength(3);
    for (const size of drawn) expect(size).toBeGreaterThan(10_000);
    expect(dom).toContain('<td>contended-cas</td>');
    expect(dom).toContain('<td>etcd × 3</td>');
    const shot = join(dir, 'shot.png');
    runHeadless(['--window-size=1400,2000', `--screenshot=${shot}`, `file://${html}`]);
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(shot).size).toBeGreaterThan(50_000);
  }, 150_000);

  it('stops on Ctrl-C, stops the cluster and keeps what it measured', async () => {
    const dir = tempDir('compare-int');
    const run = compare([
      ...['--backends', 'etcd', '--nodes', '1', '--time', '120', '--workers', '1', '--workloads', 'put'],
      ...['--lin-time', '0', '--recoveries', '0', '--out', dir],
    ]);
    // Ctrl-C once the load runs: the progress line names the bench phase.
    await new Promise<void>((ready) => {
      const check = () => {
        if (run.out().includes('etcd bench')) {
          run.child.stderr?.off('data', check);
          ready();
        }
      };
      run.child.stderr?.on('data', check);
    });
    // As a terminal's Ctrl-C: SIGINT to the whole foreground group (run-ts and the command).
    process.kill(-(run.child.pid as number), 'SIGINT');
    expect(await run.exit, run.out()).toBe(130);
    const report = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8')) as CompareReport;
    expect(report.interrupted).toBe(true);
    const [etcd] = report.backends;
    expect(etcd?.error).toBe('interrupted');
    expect(etcd?.endpoints.length).toBe(1);
    for (const e of etcd?.endpoints ?? []) expect(await refused(e)).toBe(true);
  }, 60_000);
});
