import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type CasResult,
  type Driver,
  type Entry,
  MemoryDriver,
  MemoryState,
  storeFromDriver,
  type WriteCondition,
} from '@strongbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHeadless } from '../../../scripts/ensure-chromium.mjs';
import {
  type LinearizabilityRun,
  type NemesisCluster,
  runLinearizability,
  writeRun,
} from '../src/linearizability/index.js';

const work = mkdtempSync(join(tmpdir(), 'lin-report-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs headless Chromium on `url`, at a size that shows the lanes. */
function chromium(args: string[], url: string): string {
  return runHeadless(['--window-size=1400,1000', ...args, url]);
}

/** Reads trail writes by 15 ms: its runs are illegal, so the report has a violation to draw. */
class LaggingReads extends MemoryDriver {
  readonly #copy = new Map<string, Entry>();
  override async get(key: string): Promise<Entry | undefined> {
    return this.#copy.get(key);
  }
  override async put(key: string, value: Uint8Array, c: WriteCondition | undefined): Promise<CasResult> {
    const r = await super.put(key, value, c);
    const entry = this.state.get(key);
    setTimeout(() => (entry === undefined ? this.#copy.delete(key) : this.#copy.set(key, entry)), 15);
    return r;
  }
}

/** A cluster of nodes that only change state: enough for the nemesis schedule to draw its faults. */
function fakeCluster(): NemesisCluster {
  const nodes = ['n1', 'n2', 'n3'].map((name) => {
    const node = {
      name,
      state: 'running',
      kill: async () => {
        node.state = 'killed';
      },
      pause: () => {
        node.state = 'paused';
      },
      resume: () => {
        node.state = 'running';
      },
      restart: async () => {
        node.state = 'running';
      },
    };
    return node;
  });
  return { nodes, leader: async () => nodes.find((n) => n.state === 'running') };
}

async function recordRun(
  name: string,
  driver: (state: MemoryState) => Driver,
  withFaults: boolean,
): Promise<LinearizabilityRun> {
  const state = new MemoryState();
  return runLinearizability({
    name,
    backend: 'memory',
    durationMs: 800,
    thinkMs: 2,
    opsPerKey: 60,
    openStore: async () => storeFromDriver(driver(state)),
    ...(withFaults
      ? { nemesis: { cluster: fakeCluster(), kind: 'pause-leader', faultMs: 150, healMs: 150 } }
      : {}),
  });
}

describe('the HTML report in headless Chromium', () => {
  let blankShot = 0;
  beforeAll(() => {
    // A blank page's screenshot, to tell a drawn report from an empty one.
    const blank = join(work, 'blank.html');
    writeFileSync(blank, '<!doctype html><title>blank</title>');
    const png = join(work, 'blank.png');
    chromium([`--screenshot=${png}`], pathToFileURL(blank).href);
    blankShot = statSync(png).size;
  }, 90_000);

  for (const [label, make, withFaults] of [
    ['a passing run with faults', (s: MemoryState) => new MemoryDriver(s), true],
    ['an illegal run', (s: MemoryState) => new LaggingReads(s), false],
  ] as const) {
    it(`renders the lanes of ${label}, and a screenshot with content`, async () => {
      const run = await recordRun(label, make, withFaults);
      const files = writeRun(run, join(work, label.replaceAll(' ', '-')));
      const url = pathToFileURL(files.report).href;
      const png = join(files.dir, 'report.png');
      const dom = chromium(['--dump-dom', `--screenshot=${png}`], url);
      // Every process that touched a drawn key has its lane.
      const lanes = dom.match(/class="[^"]*\blane\b/g) ?? [];
      expect(lanes.length).toBeGreaterThanOrEqual(5);
      const first = run.check.keys.find((k) => k.verdict === run.check.verdict);
      expect(dom).toContain(`data-key="${first?.key}"`);
      expect(dom).toContain(`data-verdict="${run.check.verdict}"`);
      if (withFaults) {
        expect(run.faults.length).toBeGreaterThan(0);
        expect(dom).toMatch(/class="[^"]*\bfault\b/);
      } else {
        expect(run.check.verdict).toBe('illegal');
        expect(dom).toMatch(/class="[^"]*\bunplaceable\b/);
      }
      expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
      expect(statSync(png).size).toBeGreaterThan(2 * blankShot);
    }, 90_000);
  }
});
