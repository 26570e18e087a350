/**
 * Linearizability checker speed on synthetic histories recorded from a simulated linearizable register (no
 * servers): the 100k-operation / 1,000-key / 10-client history, single-key 200-operation histories with
 * unknown outcomes, and (for information) the same small histories with one read corrupted, which the checker
 * must prove illegal by exhausting the search.
 */
import { cpus, loadavg } from 'node:os';
import type { BenchReport } from '../../../scripts/bench.js';
import { checkHistory } from '../src/checker/index.js';
import { type HistoryEvent, parseHistory, serializeHistory, simulateHistory } from '../src/history/index.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const max = (xs: number[]): number => Math.max(...xs);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function timed<T>(fn: () => T): { value: T; wallMs: number; cpuMs: number } {
  const w = performance.now();
  const c = cpuMs();
  const value = fn();
  return { value, wallMs: performance.now() - w, cpuMs: cpuMs() - c };
}

/** The first read past the middle of the history, corrupted to a stale value: an earlier written value. */
function staleRead(events: HistoryEvent[]): HistoryEvent[] {
  const copy = events.slice();
  const writes = events.filter((e) => e.type === 'invoke' && e.f === 'write').map((e) => e.value);
  const i = copy.findIndex((e, n) => n > copy.length / 2 && e.type === 'ok' && e.f === 'read');
  copy[i] = { ...(copy[i] as HistoryEvent), value: writes[0] as number };
  return copy;
}

export default async function bench(): Promise<BenchReport> {
  const rows: BenchReport['rows'] = [];
  const goals: NonNullable<BenchReport['goals']> = [];
  const load = loadavg()[0] ?? 0;
  // Warm the JIT first, so the first measured history does not pay for compiling the search.
  for (let seed = 100; seed < 110; seed++) checkHistory(simulateHistory({ ops: 200, clients: 10, seed }));

  // 1. The large history: 100k operations, 1,000 keys, 10 clients, 5% unknown outcomes, 2% failed.
  const big = simulateHistory({ ops: 100_000, keys: 1000, clients: 10, unknownRate: 0.05, seed: 42 });
  const text = serializeHistory(big);
  const parse = timed(() => parseHistory(text));
  const parseCpu = Math.round(parse.cpuMs);
  const bigRuns = [0, 1, 2].map(() => timed(() => checkHistory(parse.value, { timeLimitMs: 60_000 })));
  const bigWall = median(bigRuns.map((r) => r.wallMs));
  const bigVerdict = bigRuns[0]?.value.verdict ?? 'unknown';
  rows.push({
    history: '100k ops, 1000 keys, 10 clients, 5% unknown',
    verdict: bigVerdict,
    'check wall ms (median of 3)': Math.round(bigWall),
    'check cpu ms (median)': Math.round(median(bigRuns.map((r) => r.cpuMs))),
    'parse ms (wall/cpu)': `${Math.round(parse.wallMs)}/${parseCpu}`,
    steps: bigRuns[0]?.value.steps ?? 0,
  });
  goals.push({
    goal: '100k ops / 1000 keys / 10 clients checked in < 5 s',
    measured: `${(bigWall / 1000).toFixed(2)} s (${bigVerdict}; parsing ${(parse.wallMs / 1000).toFixed(2)} s more)`,
    met: bigWall < 5000 && bigVerdict === 'ok',
  });

  // 2. Single-key histories of 200 operations from 10 clients with unknown outcomes, 20 seeds per rate.
  const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
  let smallWorst = 0;
  let allOk = true;
  for (const unknownRate of [0.05, 0.1, 0.2]) {
    const runs = seeds.map((seed) => {
      const h = simulateHistory({ ops: 200, keys: 1, clients: 10, unknownRate, seed });
      return timed(() => checkHistory(h, { timeLimitMs: 10_000 }));
    });
    const wall = runs.map((r) => r.wallMs);
    smallWorst = Math.max(smallWorst, max(wall));
    allOk &&= runs.every((r) => r.value.verdict === 'ok');
    rows.push({
      history: `200 ops, 1 key, 10 clients, ${unknownRate * 100}% unknown (${seeds.length} seeds)`,
      verdict: runs.every((r) => r.value.verdict === 'ok') ? 'ok' : 'NOT ALL OK',
      'check wall ms (median of 3)': Number(median(wall).toFixed(1)),
      'check cpu ms (median)': Number(median(runs.map((r) => r.cpuMs)).toFixed(1)),
      'max wall ms': Number(max(wall).toFixed(1)),
      steps: median(runs.map((r) => r.value.steps)),
    });
  }
  goals.push({
    goal: 'single-key 200 ops / 10 clients with unknown outcomes well under 1 s (worst of 60 histories < 250 ms)',
    measured: `worst ${smallWorst.toFixed(1)} ms wall${allOk ? '' : ' (some verdicts not ok!)'}`,
    met: smallWorst < 250 && allOk,
  });

  // 3. For information: proving a violation needs the whole search space before it, the checker's hard case.
  for (const unknownRate of [0.05, 0.1]) {
    const runs = seeds.slice(0, 10).map((seed) => {
      const h = staleRead(simulateHistory({ ops: 200, keys: 1, clients: 10, unknownRate, seed }));
      return timed(() => checkHistory(h, { timeLimitMs: 5_000 }));
    });
    const decided = runs.filter((r) => r.value.verdict === 'illegal').length;
    rows.push({
      history: `200 ops, 1 key, ${unknownRate * 100}% unknown, one stale read (10 seeds)`,
      verdict: `${decided}/10 illegal, ${10 - decided} unknown`,
      'check wall ms (median of 3)': Number(median(runs.map((r) => r.wallMs)).toFixed(1)),
      'check cpu ms (median)': Number(median(runs.map((r) => r.cpuMs)).toFixed(1)),
      'max wall ms': Number(max(runs.map((r) => r.wallMs)).toFixed(1)),
      steps: median(runs.map((r) => r.value.steps)),
    });
  }

  return {
    title: 'Linearizability checker (Wing & Gong / Lowe, per key) on simulated histories',
    rows,
    goals,
    notes: [
      `machine: ${cpus().length} cores, load average ${load.toFixed(1)} at start (wall times grow with load; cpu ms do not)`,
      'small-history rows show the median over seeds in the "median" columns',
      'stale-read rows: a 5 s budget per history; unknown means the budget ran out before the proof',
    ],
  };
}
