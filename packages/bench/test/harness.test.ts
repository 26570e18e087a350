import { createMemoryStore } from '@strongbox/core';
import { describe, expect, it } from 'vitest';
// Module by module, not the index: the index also loads the cluster and adapter code.
import type { CompareReport } from '../src/compare.js';
import { noCounter, type RoundTripCounter } from '../src/counters.js';
import { runBench } from '../src/harness.js';
import { renderHtml } from '../src/report/html.js';
import { renderText } from '../src/report/table.js';
import { runInterleaved, runOnce } from '../src/runner.js';
import { median, quantile, spread } from '../src/stats.js';
import { storeTarget, type Target } from '../src/target.js';
import { workloadNames } from '../src/workloads.js';

/** A counter that counts every call of the wrapped target: what a server-side counter would see. */
function counted(target: Target): { target: Target; counter: RoundTripCounter } {
  let n = 0;
  const wrap =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    (...a: A) => {
      n++;
      return f(...a);
    };
  return {
    target: {
      kind: target.kind,
      put: wrap(target.put),
      get: wrap(target.get),
      putIfVersion: wrap(target.putIfVersion),
      compareAndSwap: wrap(target.compareAndSwap),
      transaction: wrap(target.transaction),
      close: target.close,
    },
    counter: { method: 'calls', count: async () => n, close() {} },
  };
}

describe('stats', () => {
  it('takes nearest-rank quantiles, medians and spreads', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(sorted, 0.5)).toBe(5);
    expect(quantile(sorted, 0.99)).toBe(10);
    expect(quantile([], 0.5)).toBeNaN();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(spread([3, Number.NaN, 1, 2])).toMatchObject({ median: 2, min: 1, max: 3 });
  });
});

describe('runOnce', () => {
  it('stops at the op bound and counts round trips outside the seeding', async () => {
    const { target, counter } = counted(storeTarget(createMemoryStore()));
    const r = await runOnce(target, 'version-cas', 'k', { workers: 4, maxOps: 200, maxMs: 60_000 }, counter);
    expect(r.ops).toBe(200);
    expect(r.wins).toBe(200);
    expect(r.errors).toBe(0);
    expect(r.roundTripsPerOp).toBe(1);
    expect(r.p50Ms).toBeLessThanOrEqual(r.p99Ms);
    expect(r.cpuUsPerOp).toBeGreaterThan(0);
  });

  it('stops at the time bound', async () => {
    const fast = storeTarget(createMemoryStore());
    // Each read yields to the event loop once, so the run's clock gets to see time pass.
    const slow: Target = {
      ...fast,
      get: (key) => new Promise((resolve) => setImmediate(() => resolve(fast.get(key)))),
    };
    const r = await runOnce(slow, 'get', 'k', { workers: 2, maxOps: 10_000_000, maxMs: 50 }, noCounter());
    expect(r.ops).toBeGreaterThan(0);
    expect(r.ops).toBeLessThan(10_000_000);
  });

  it('lets contended CAS lose and learn the winner', async () => {
    const { target, counter } = counted(storeTarget(createMemoryStore()));
    const r = await runOnce(
      target,
      'contended-cas',
      'hot',
      { workers: 8, maxOps: 400, maxMs: 60_000 },
      counter,
    );
    expect(r.ops).toBe(400);
    expect(r.wins).toBeGreaterThan(0);
    expect(r.wins).toBeLessThan(400);
  });
});

describe('runInterleaved', () => {
  it('alternates the sides slice by slice (A B, B A, …) and keeps their figures apart', async () => {
    const turns: string[] = [];
    const side = (name: string): Target => {
      const inner = storeTarget(createMemoryStore());
      return {
        ...inner,
        // Each op yields to the event loop, so a slice's clock sees time pass.
        put: async (key, value) => {
          if (turns.at(-1) !== name) turns.push(name);
          await new Promise((r) => setImmediate(r));
          return inner.put(key, value);
        },
      };
    };
    const [a, b] = await runInterleaved(
      [
        { target: side('A'), prefix: 'a' },
        { target: side('B'), prefix: 'b' },
      ],
      'put',
      { workers: 2, maxOps: 1_000_000, maxMs: 80 },
      noCounter(),
      4,
    );
    expect(turns).toEqual(['A', 'B', 'A', 'B', 'A']);
    for (const r of [a, b]) {
      expect(r?.ops).toBeGreaterThan(0);
      expect(r?.errors).toBe(0);
      // Each side had 4 slices of 20 ms, plus the drain of each.
      expect(r?.elapsedMs).toBeGreaterThanOrEqual(80);
      expect(r?.elapsedMs).toBeLessThan(80 + 4 * 1_000);
    }
  });
});

describe('runBench', () => {
  it('measures every workload A/B and renders the report', async () => {
    const targets = { strongbox: storeTarget(createMemoryStore()), raw: storeTarget(createMemoryStore()) };
    const seen: string[] = [];
    const cells = await runBench({
      targets,
      counter: noCounter(),
      plan: { workloads: workloadNames, workers: [1, 3], repeats: 2, runMs: 20, maxOps: 100 },
      onProgress: (p) => seen.push(p.label),
    });
    expect(cells.map((c) => `${c.workload}/${c.workers}`)).toEqual(
      workloadNames.flatMap((w) => [`${w}/1`, `${w}/3`]),
    );
    // Repeat 1 runs strongbox first, repeat 2 raw first.
    expect(seen.slice(0, 2)).toEqual(['put ×1 #1, strongbox first', 'put ×1 #2, raw first']);
    for (const c of cells) {
      for (const side of [c.strongbox, c.raw]) {
        expect(side.errors).toBe(0);
        expect(side.opsPerSec.runs).toHaveLength(2);
        expect(side.opsPerSec.median).toBeGreaterThan(0);
      }
      expect(c.ratio.median).toBeGreaterThan(0);
    }
    const report: CompareReport = {
      schema: 1,
      startedAt: 'start',
      finishedAt: 'end',
      machine: {
        cpu: 'test cpu',
        cores: 2,
        memoryGiB: 1,
        os: 'test',
        node: 'v20',
        loadAverage: { start: 1, end: 2 },
        note: 'shared',
      },
      strongbox: { version: '0.1.0' },
      options: {
        nodes: 1,
        plan: { workloads: workloadNames, workers: [1, 3], repeats: 2, runMs: 20, maxOps: 100 },
        linearizabilityMs: 0,
        recoveryRepeats: 0,
      },
      backends: [
        {
          backend: 'etcd',
          nodes: 1,
          endpoints: [],
          server: { version: 'mem', source: 'test' },
          client: { package: 'none', version: '0' },
          cells,
          linearizability: [],
        },
      ],
      interrupted: false,
    };
    const text = renderText(report);
    expect(text).toContain('contended-cas');
    const html = renderHtml(report);
    expect(html).toContain('<canvas id="throughput-3"');
    expect(html).toContain('<canvas id="ratio"');
    // Self-contained: chart.js inlined, nothing loaded from elsewhere.
    expect(html).toContain('Chart.js');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });
});
