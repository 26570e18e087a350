/** The memory store has no nemesis: this is the baseline every backend's run is compared to. */
import { defaultRunDir, runLinearizability, summarizeRun, writeRun } from '@strongbox/conformance';
import { createMemoryStore, MemoryState } from '@strongbox/core';
import { expect, it } from 'vitest';

it('linearizability: memory store, no nemesis', async () => {
  const state = new MemoryState();
  const run = await runLinearizability({
    name: 'memory',
    backend: 'memory',
    durationMs: 3_000,
    thinkMs: 1,
    openStore: async () => createMemoryStore({ state }),
  });
  const files = writeRun(run, `${defaultRunDir('memory')}/none`);
  const summary = summarizeRun(run);
  expect(summary.verdict, `see ${files.report}`).toBe('ok');
  expect(summary.totals.ok).toBeGreaterThan(500);
  expect(summary.totals.info).toBe(0);
});
