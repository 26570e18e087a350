import type { BackendReport, CompareReport } from '../compare.js';
import type { Cell } from '../harness.js';
import { duration, num, percent, ratioSpread, textTable, withSpread } from './format.js';

/** The strongbox/raw throughput goal of the adapter issues. */
export const RATIO_GOAL = 0.95;

/** One row per cell: strongbox against raw, with every figure. */
export function cellRows(cells: readonly Cell[]): string[][] {
  return cells.map((c) => [
    c.workload,
    String(c.workers),
    withSpread(c.strongbox.opsPerSec),
    withSpread(c.raw.opsPerSec),
    ratioSpread(c.ratio),
    `${num(c.strongbox.p50Ms.median)} / ${num(c.strongbox.p99Ms.median)}`,
    `${num(c.raw.p50Ms.median)} / ${num(c.raw.p99Ms.median)}`,
    `${num(c.strongbox.cpuUsPerOp.median)} / ${num(c.raw.cpuUsPerOp.median)}`,
    `${num(c.strongbox.roundTripsPerOp.median)} / ${num(c.raw.roundTripsPerOp.median)}`,
    c.workload === 'contended-cas' ? percent(c.strongbox.winRate.median) : '',
    String(c.strongbox.errors + c.raw.errors),
  ]);
}

/** The column names of {@link cellRows}. */
export const cellHeader = [
  'workload',
  'workers',
  'strongbox ops/s',
  'raw ops/s',
  'sb/raw',
  'sb p50/p99 ms',
  'raw p50/p99 ms',
  'CPU µs/op sb/raw',
  'req/op sb/raw',
  'wins',
  'errors',
] as const;

/** The one-paragraph summary of a backend: versions, readiness, recovery, correctness. */
export function backendSummary(b: BackendReport): string {
  const lin =
    b.linearizability.length === 0
      ? 'not run'
      : b.linearizability
          .map((l) => `${l.nemesis} ${l.verdict} (${l.ops} ops, ${l.faults} faults)`)
          .join(', ');
  const lines = [
    `${b.backend} ${b.server.version} × ${b.nodes} nodes · raw client ${b.client.package} ${b.client.version}`,
    `  ready in ${duration(b.readyMs)} · leader killed: new leader ${
      b.recovery ? withSpread(b.recovery.electionMs, (n) => duration(n)) : '–'
    }, first strongbox write ${b.recovery ? withSpread(b.recovery.writeMs, (n) => duration(n)) : '–'}`,
    `  linearizability: ${lin}`,
  ];
  if (b.error) lines.push(`  ERROR: ${b.error}`);
  return lines.join('\n');
}

/** The whole report as terminal text. */
export function renderText(report: CompareReport): string {
  const out: string[] = [
    `strongbox compare · ${report.machine.cores} × ${report.machine.cpu} · ${report.machine.memoryGiB} GiB · node ${report.machine.node} · load ${report.machine.loadAverage.start.toFixed(1)} → ${report.machine.loadAverage.end.toFixed(1)}`,
    `each figure: median of ${report.options.plan.repeats} run(s) (min–max); sb/raw is strongbox ops/s ÷ raw ops/s, A/B interleaved`,
  ];
  if (report.interrupted) out.push('INTERRUPTED: partial results');
  for (const b of report.backends) {
    out.push('', backendSummary(b));
    if (b.cells.length > 0) out.push(textTable(cellHeader, cellRows(b.cells)));
  }
  if (report.backends.length > 1) out.push('', sideBySide(report));
  return out.join('\n');
}

/** strongbox ops/s per workload and worker count, one column per backend. */
export function sideBySide(report: CompareReport): string {
  const backends = report.backends.filter((b) => b.cells.length > 0);
  const rows: string[][] = [];
  for (const c of backends[0]?.cells ?? []) {
    rows.push([
      c.workload,
      String(c.workers),
      ...backends.map((b) => {
        const cell = b.cells.find((x) => x.workload === c.workload && x.workers === c.workers);
        return cell
          ? `${num(cell.strongbox.opsPerSec.median)} ops/s, p99 ${num(cell.strongbox.p99Ms.median)} ms`
          : '–';
      }),
    ]);
  }
  return `strongbox side by side\n${textTable(['workload', 'workers', ...backends.map((b) => b.backend)], rows)}`;
}
