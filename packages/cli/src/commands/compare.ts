/**
 * `strongbox compare`: a fresh local cluster of each backend in turn, the same workloads through
 * strongbox and through each raw npm client, leader recovery, a short linearizability run with
 * faults; a terminal table, a JSON file and a self-contained HTML report. Ctrl-C stops it, stops
 * the cluster and still writes what was measured.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type BenchBackend,
  benchBackends,
  type CompareEvent,
  type CompareReport,
  renderHtml,
  renderText,
  runCompare,
  type WorkloadName,
  workloadNames,
} from '@strongbox/bench';
import type { Command } from '../commands.js';

const USAGE = `usage: strongbox compare [--backends etcd,consul,zookeeper] [--nodes 3] [--time 20] [--out DIR]
                         [--workers 1,16,64] [--workloads put,get,...] [--repeats 3]
                         [--max-ops 50000] [--lin-time 8] [--recoveries 3]

Starts a fresh cluster of each backend in turn on this machine and measures strongbox against the
backend's own npm client (A/B interleaved), the leader's recovery and linearizability under faults.
  --backends    which backends, in order (default etcd,consul,zookeeper)
  --nodes       nodes per cluster (default 3)
  --time        seconds of load per cell (one workload at one worker count), shared by both
                clients and every repeat (default 20)
  --workers     concurrent workers per cell (default 1,16,64)
  --workloads   ${workloadNames.join(',')} (default all)
  --repeats     runs per client per cell; figures are medians (default 3)
  --max-ops     op bound of one run (default 50000)
  --lin-time    seconds of each linearizability run, one with kill-leader and one with
                pause-leader; 0 skips them (default 8)
  --recoveries  leader kills timed per backend (default 3)
  --out         where compare.json, compare.html and the run histories go
                (default .reports/compare-<time>)`;

function list<T extends string>(raw: string, allowed: readonly T[], what: string): T[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length > 0 || items.length === 0)
    throw new Error(`--${what} must list some of ${allowed.join(', ')}, got '${raw}'`);
  return items as T[];
}

function positive(raw: string, what: string, allowZero = false): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new Error(`--${what} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${raw}'`);
  return n;
}

/** A progress bar on a terminal, plain lines otherwise (one per phase and per tenth of the bench). */
class Progress {
  private readonly t0 = Date.now();
  private last = '';
  private lastTenth = -1;
  constructor(private readonly out: NodeJS.WriteStream) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  private elapsed(): string {
    const s = Math.floor((Date.now() - this.t0) / 1000);
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  }

  update(e: CompareEvent): void {
    const head = `${e.backend} ${e.phase}`;
    if (this.tty) {
      const f = e.fraction ?? 0;
      const width = 24;
      const full = Math.round(f * width);
      const bar =
        e.fraction === undefined
          ? ''
          : `${'█'.repeat(full)}${'░'.repeat(width - full)} ${String(Math.round(f * 100)).padStart(3)}% `;
      const line = `${this.elapsed()} ${head.padEnd(24)} ${bar}${e.message}`;
      this.out.write(`\r\x1b[2K${line.slice(0, (this.out.columns ?? 120) - 1)}`);
      return;
    }
    const tenth = e.fraction === undefined ? -1 : Math.floor(e.fraction * 10);
    if (head !== this.last || tenth !== this.lastTenth) {
      this.out.write(`[${this.elapsed()}] ${head}${tenth >= 0 ? ` ${tenth * 10}%` : ''}: ${e.message}\n`);
    }
    this.last = head;
    this.lastTenth = tenth;
  }

  end(): void {
    if (this.tty) this.out.write('\r\x1b[2K');
  }
}

/** Writes compare.json and compare.html into `dir`; returns their paths. */
export function writeReport(report: CompareReport, dir: string): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'compare.json');
  const html = join(dir, 'compare.html');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(html, renderHtml(report));
  return { json, html };
}

export const command: Command = {
  summary: 'measure etcd, Consul and ZooKeeper side by side, strongbox vs raw clients',
  async run(args) {
    let opts: {
      backends: BenchBackend[];
      nodes: number;
      time: number;
      workers: number[];
      workloads: WorkloadName[];
      repeats: number;
      maxOps: number;
      linTime: number;
      recoveries: number;
      out: string;
    };
    try {
      const { values } = parseArgs({
        args,
        options: {
          backends: { type: 'string', default: benchBackends.join(',') },
          nodes: { type: 'string', default: '3' },
          time: { type: 'string', default: '20' },
          workers: { type: 'string', default: '1,16,64' },
          workloads: { type: 'string', default: workloadNames.join(',') },
          repeats: { type: 'string', default: '3' },
          'max-ops': { type: 'string', default: '50000' },
          'lin-time': { type: 'string', default: '8' },
          recoveries: { type: 'string', default: '3' },
          out: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      });
      if (values.help) {
        console.log(USAGE);
        return 0;
      }
      opts = {
        backends: list(values.backends, benchBackends, 'backends'),
        nodes: Math.round(positive(values.nodes, 'nodes')),
        time: positive(values.time, 'time'),
        workers: values.workers.split(',').map((w) => Math.round(positive(w, 'workers'))),
        workloads: list(values.workloads, workloadNames, 'workloads'),
        repeats: Math.round(positive(values.repeats, 'repeats')),
        maxOps: Math.round(positive(values['max-ops'], 'max-ops')),
        linTime: positive(values['lin-time'], 'lin-time', true),
        recoveries: Math.round(positive(values.recoveries, 'recoveries', true)),
        out: resolve(
          values.out ?? join('.reports', `compare-${new Date().toISOString().replace(/[:.]/g, '-')}`),
        ),
      };
    } catch (err) {
      console.error(`strongbox compare: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
      return 2;
    }
    const controller = new AbortController();
    let firstSignalAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstSignalAt === undefined) {
        firstSignalAt = Date.now();
        process.stderr.write(
          `\n${signal}: stopping after the current step; the cluster is stopped, partial results kept\n`,
        );
        controller.abort();
      } else if (Date.now() - firstSignalAt > 500) {
        // A second Ctrl-C: leave now; the servers' watchdogs end them once this process is gone.
        // (Within 500 ms it is the same Ctrl-C relayed again by a wrapper such as tsx's CLI.)
        process.exit(130);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const progress = new Progress(process.stderr);
    try {
      const report = await runCompare({
        backends: opts.backends,
        nodes: opts.nodes,
        plan: {
          workloads: opts.workloads,
          workers: opts.workers,
          repeats: opts.repeats,
          runMs: (opts.time * 1000) / (2 * opts.repeats),
          maxOps: opts.maxOps,
        },
        linearizabilityMs: opts.linTime * 1000,
        recoveryRepeats: opts.recoveries,
        outDir: opts.out,
        onEvent: (e) => progress.update(e),
        signal: controller.signal,
      });
      progress.end();
      console.log(renderText(report));
      const files = writeReport(report, opts.out);
      console.log(`\nwrote ${files.json}\nwrote ${files.html}`);
      if (report.interrupted) return 130;
      return report.backends.some((b) => b.error !== undefined) ? 1 : 0;
    } finally {
      progress.end();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
