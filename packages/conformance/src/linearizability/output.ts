import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Verdict } from '../checker/index.js';
import type { Operation } from '../history/operations.js';
import { serializeHistory } from '../history/parse.js';
import type { Value } from '../history/schema.js';
import { renderHtmlReport } from '../report/index.js';
import type { FaultRecord } from './nemesis.js';
import type { CountsByFunction } from './recorder.js';
import type { LinearizabilityRun, Throughput } from './runner.js';

/** The verdict of one key, as result.json lists it. */
export interface KeySummary {
  readonly key: string;
  readonly verdict: Verdict;
  readonly ops: number;
  /** For `unknown`: the budget that ran out. */
  readonly exhausted?: 'steps' | 'time';
  /** For `illegal`: how far the checker got, and the operation it could not place (see report.html). */
  readonly violation?: {
    readonly prefixLength: number;
    readonly stateAfterPrefix: Value;
    readonly unplaceable: Operation;
  };
}

/** What result.json holds: the verdict and the numbers of one run, without the history. */
export interface RunSummary {
  readonly name: string;
  readonly backend: string;
  readonly nemesis: string;
  readonly startedAt: string;
  readonly seed: number;
  readonly clients: number;
  readonly workloadMs: number;
  readonly verdict: Verdict;
  /** Operations in the history (invocations), final reads included. */
  readonly ops: number;
  readonly counts: CountsByFunction;
  /** ok / fail / info added up over every function. */
  readonly totals: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly throughput: Throughput;
  readonly faults: number;
  readonly unreadKeys: readonly string[];
  readonly checker: { readonly elapsedMs: number; readonly steps: number };
  readonly keys: readonly KeySummary[];
}

/** The files of a run directory. */
export interface RunFiles {
  readonly dir: string;
  readonly history: string;
  readonly faults: string;
  readonly result: string;
  readonly report: string;
}

/** The numbers of a run, as written to result.json. */
export function summarizeRun(run: LinearizabilityRun): RunSummary {
  const totals = { ok: 0, fail: 0, info: 0 };
  for (const c of Object.values(run.counts)) {
    totals.ok += c.ok;
    totals.fail += c.fail;
    totals.info += c.info;
  }
  return {
    name: run.name,
    backend: run.backend,
    nemesis: run.nemesis,
    startedAt: run.startedAt,
    seed: run.seed,
    clients: run.clients,
    workloadMs: run.workloadMs,
    verdict: run.check.verdict,
    ops: run.check.ops,
    counts: run.counts,
    totals,
    throughput: run.throughput,
    faults: run.faults.length,
    unreadKeys: run.unreadKeys,
    checker: { elapsedMs: Math.round(run.check.elapsedMs), steps: run.check.steps },
    keys: run.check.keys.map((k) => ({
      key: k.key,
      verdict: k.verdict,
      ops: k.ops,
      ...(k.exhausted === undefined ? {} : { exhausted: k.exhausted }),
      ...(k.violation === undefined
        ? {}
        : {
            violation: {
              prefixLength: k.violation.longestPrefix.length,
              stateAfterPrefix: k.violation.stateAfterPrefix,
              unplaceable: k.violation.unplaceable,
            },
          }),
    })),
  };
}

/** The default run directory: `.runs/<iso time>-<backend>` under `root`, with `:` and `.` made file-safe. */
export function defaultRunDir(backend: string, root = process.cwd(), at = new Date()): string {
  return resolve(root, '.runs', `${at.toISOString().replace(/[:.]/g, '-')}-${backend}`);
}

/** The fault timeline as faults.json holds it. */
export interface FaultsFile {
  readonly nemesis: string;
  /** The clock of `start`/`end`: nanoseconds since the run began, the same clock as the history's `time`. */
  readonly clock: 'ns since run start';
  readonly faults: readonly FaultRecord[];
}

/**
 * Writes a run to `dir` (created if missing): history.jsonl (replay it with `strongbox verify`), faults.json,
 * result.json and report.html.
 */
export function writeRun(run: LinearizabilityRun, dir: string): RunFiles {
  mkdirSync(dir, { recursive: true });
  const files: RunFiles = {
    dir,
    history: join(dir, 'history.jsonl'),
    faults: join(dir, 'faults.json'),
    result: join(dir, 'result.json'),
    report: join(dir, 'report.html'),
  };
  writeFileSync(files.history, serializeHistory(run.history));
  const faults: FaultsFile = { nemesis: run.nemesis, clock: 'ns since run start', faults: run.faults };
  writeFileSync(files.faults, `${JSON.stringify(faults, null, 2)}\n`);
  writeFileSync(files.result, `${JSON.stringify(summarizeRun(run), null, 2)}\n`);
  writeFileSync(files.report, renderReport(run));
  return files;
}

function renderReport(run: LinearizabilityRun): string {
  return renderHtmlReport({
    history: run.history,
    result: run.check,
    faults: run.faults,
    title: `strongbox linearizability: ${run.name}`,
  });
}
