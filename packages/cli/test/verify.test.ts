import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HistoryEvent, serializeHistory, simulateHistory } from '@strongbox/conformance';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { command } from '../src/commands/verify.js';
import { spawnCli } from './spawn-cli.js';

const _root = fileURLToPath(new URL('../../..', import.meta.url));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `strongbox verify <args>` from source, as a user would. */
function verify(args: string[]): Promise<Run> {
  return spawnCli(['verify', ...args]).exit;
}

describe('strongbox verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-verify-'));
  const file = (name: string) => join(dir, name);
  const runs: Record<string, Run> = {};

  beforeAll(async () => {
    const events = simulateHistory({ ops: 300, keys: 2, clients: 5, seed: 9 });
    writeFileSync(file('ok.jsonl'), serializeHistory(events));
    const bad = events.slice();
    const i = bad.findIndex((e, n) => n > 100 && e.type === 'ok' && e.f === 'read' && e.key === 'k1');
    bad[i] = { ...(bad[i] as HistoryEvent), value: 'never-written' };
    writeFileSync(file('bad.jsonl'), serializeHistory(bad));
    writeFileSync(
      file('faults.json'),
      JSON.stringify({ faults: [{ start: 1_000_000, end: 9_000_000, kind: 'kill', node: 'n1' }] }),
    );
    const lines = serializeHistory(events.slice(0, 4)).split('\n');
    lines[2] = '{"process": 0, "type": "ok"';
    writeFileSync(file('malformed.jsonl'), lines.join('\n'));
    // Spawning tsx costs seconds on a loaded machine: start every run at once.
    const cases: Record<string, string[]> = {
      ok: [file('ok.jsonl')],
      bad: [file('bad.jsonl'), '--html', file('report.html'), '--faults', file('faults.json')],
      malformed: [file('malformed.jsonl')],
    };
    await Promise.all(
      Object.entries(cases).map(async ([name, args]) => {
        runs[name] = await verify(args);
      }),
    );
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and prints a verdict per key for a linearizable history', () => {
    expect(runs.ok).toMatchObject({ code: 0 });
    expect(runs.ok?.out).toMatch(/^ {2}ok +k0 /m);
    expect(runs.ok?.out).toMatch(/^ {2}ok +k1 /m);
    expect(runs.ok?.out).toMatch(/verdict: linearizable/);
  });

  it('exits 1, names the operation that cannot be placed, and writes the report', () => {
    expect(runs.bad?.code).toBe(1);
    expect(runs.bad?.out).toMatch(/^ {2}ILLEGAL +k1 /m);
    expect(runs.bad?.out).toMatch(/cannot place: process \d+ read -> "never-written"/);
    expect(runs.bad?.out).toMatch(/verdict: NOT linearizable/);
    const html = readFileSync(file('report.html'), 'utf8');
    expect(html).toContain('data-key="k1" data-verdict="illegal"');
    expect(html).toContain('class="fault"');
    expect(html).toMatch(/class="op [^"]*unplaceable/);
  });

  it('exits 2 with the line number for a malformed file', () => {
    expect(runs.malformed?.code).toBe(2);
    expect(runs.malformed?.err).toMatch(/malformed\.jsonl:3: malformed: not valid JSON/);
  });

  /** Runs the command in-process (cheaper than a spawn), capturing what it prints. */
  async function inProcess(args: string[]): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const error = vi
      .spyOn(console, 'error')
      .mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    try {
      return { code: await command.run(args), out: out.join('\n'), err: err.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  }

  it('exits 2 when the budget runs out before a verdict', async () => {
    const run = await inProcess([file('ok.jsonl'), '--step-limit', '1']);
    expect(run.code).toBe(2);
    expect(run.out).toMatch(/verdict: unknown/);
  });

  it('exits 2 on bad usage and unreadable files', async () => {
    const usage = await inProcess([]);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/usage: strongbox verify/);
    const badLimit = await inProcess([file('ok.jsonl'), '--time-limit-ms', 'soon']);
    expect(badLimit.code).toBe(2);
    expect(badLimit.err).toMatch(/--time-limit-ms must be a positive integer, got "soon"/);
    const missing = await inProcess([file('nope.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read/);
  });
});
