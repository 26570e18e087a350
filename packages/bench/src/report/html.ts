import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CompareReport } from '../compare.js';
import { workloadDescriptions } from '../workloads.js';
import { duration, withSpread } from './format.js';
import { backendSummary, cellHeader, cellRows, RATIO_GOAL } from './table.js';

/** chart.js's UMD build, read from the installed package, to be inlined (no network at view time). */
function chartJsSource(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

function esc(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = header.map((h) => `<th>${esc(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

// Runs in the browser: draws every chart from the embedded data, without animation so that a
// headless screenshot sees the final picture, and marks each canvas with the size of its image so a
// test can tell a drawn chart from an empty one.
const CLIENT = `
const report = JSON.parse(document.getElementById('data').textContent);
const colors = { etcd: '#2f6fdf', consul: '#d6336c', zookeeper: '#2b9348' };
const backends = report.backends.filter((b) => b.cells.length > 0);
const workloads = [...new Set(backends.flatMap((b) => b.cells.map((c) => c.workload)))];
const workers = [...new Set(backends.flatMap((b) => b.cells.map((c) => c.workers)))];
const cell = (b, w, n) => b.cells.find((c) => c.workload === w && c.workers === n);
Chart.defaults.animation = false;
Chart.defaults.responsive = false;
const charts = [];
function bar(id, title, labels, datasets, yTitle, log) {
  const canvas = document.getElementById(id);
  charts.push(new Chart(canvas, {
    type: 'bar',
    data: { labels, datasets },
    options: {
      plugins: { title: { display: true, text: title } },
      scales: { y: { type: log ? 'logarithmic' : 'linear', title: { display: true, text: yTitle } } },
    },
  }));
  canvas.dataset.drawn = String(canvas.toDataURL().length);
}
for (const n of workers) {
  bar('throughput-' + n, 'strongbox ops/s at ' + n + ' worker(s)', workloads,
    backends.map((b) => ({ label: b.backend, backgroundColor: colors[b.backend],
      data: workloads.map((w) => cell(b, w, n)?.strongbox.opsPerSec.median ?? null) })), 'ops/s', false);
}
const lo = Math.min(...workers), hi = Math.max(...workers);
bar('latency', 'strongbox latency: p50 at ' + lo + ' worker(s), p99 at ' + hi + ' workers (ms, log)', workloads,
  backends.flatMap((b) => [
    { label: b.backend + ' p50 ×' + lo, backgroundColor: colors[b.backend] + '88',
      data: workloads.map((w) => cell(b, w, lo)?.strongbox.p50Ms.median ?? null) },
    { label: b.backend + ' p99 ×' + hi, backgroundColor: colors[b.backend],
      data: workloads.map((w) => cell(b, w, hi)?.strongbox.p99Ms.median ?? null) },
  ]), 'ms', true);
const ratioLabels = workloads.flatMap((w) => workers.map((n) => w + ' ×' + n));
bar('ratio', 'strongbox ops/s ÷ raw client ops/s (goal ≥ ' + Math.round(${RATIO_GOAL} * 100) + '%)', ratioLabels,
  [
    ...backends.map((b) => ({ label: b.backend, backgroundColor: colors[b.backend],
      data: workloads.flatMap((w) => workers.map((n) => { const c = cell(b, w, n); return c ? c.ratio.median * 100 : null; })) })),
    { type: 'line', label: 'goal', data: ratioLabels.map(() => ${RATIO_GOAL} * 100), borderColor: '#888',
      borderDash: [6, 4], pointRadius: 0, fill: false },
  ], '% of raw', false);
document.body.dataset.charts = String(charts.length);
`;

/**
 * The report as one self-contained HTML page: summary, charts (chart.js, inlined), every figure in
 * tables, and the JSON itself embedded. Opens offline; nothing is fetched.
 */
export function renderHtml(report: CompareReport): string {
  const withCells = report.backends.filter((b) => b.cells.length > 0);
  const workers = [...new Set(withCells.flatMap((b) => b.cells.map((c) => c.workers)))];
  const summary = table(
    [
      'backend',
      'server',
      'raw client',
      'ready',
      'new leader after kill',
      'first write after kill',
      'linearizability',
    ],
    report.backends.map((b) => [
      `${b.backend} × ${b.nodes}`,
      `${b.server.version} (${b.server.source})`,
      `${b.client.package} ${b.client.version}`,
      duration(b.readyMs),
      b.recovery ? withSpread(b.recovery.electionMs, (n) => duration(n)) : '–',
      b.recovery ? withSpread(b.recovery.writeMs, (n) => duration(n)) : '–',
      [
        b.linearizability.length === 0
          ? 'not run'
          : b.linearizability.map((l) => `${l.nemesis}: ${l.verdict} (${l.ops} ops)`).join('; '),
        b.error === undefined ? '' : `error: ${b.error}`,
      ]
        .filter((s) => s !== '')
        .join('; '),
    ]),
  );
  const sections = report.backends
    .map(
      (b) => `<section class="backend" id="backend-${b.backend}"><h2>${esc(b.backend)}</h2>
<pre>${esc(backendSummary(b))}</pre>
${b.cells.length > 0 ? table(cellHeader, cellRows(b.cells)) : '<p>no figures</p>'}
<p class="note">Requests per op counted by: ${esc(b.roundTripMethod ?? '–')}</p></section>`,
    )
    .join('\n');
  const canvases = [
    ...workers.map((n) => `<canvas id="throughput-${n}" width="900" height="320"></canvas>`),
    '<canvas id="latency" width="900" height="320"></canvas>',
    '<canvas id="ratio" width="1300" height="340"></canvas>',
  ].join('\n');
  const defs = Object.entries(workloadDescriptions)
    .map(([w, d]) => `<dt>${esc(w)}</dt><dd>${esc(d)}</dd>`)
    .join('');
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>strongbox compare ${esc(report.startedAt)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
pre { background: #f6f6f6; padding: 8px; }
canvas { display: block; margin: 12px 0; }
.note { color: #666; }
dt { font-weight: bold; } dd { margin: 0 0 4px 16px; }
</style></head>
<body>
<h1>strongbox compare</h1>
<p>${esc(`${report.machine.cores} × ${report.machine.cpu}, ${report.machine.memoryGiB} GiB, ${report.machine.os}, node ${report.machine.node}, load average ${report.machine.loadAverage.start.toFixed(1)} at the start and ${report.machine.loadAverage.end.toFixed(1)} at the end`)}.
${esc(report.machine.note)} Run ${esc(report.startedAt)} – ${esc(report.finishedAt)}${report.interrupted ? ' <strong>(interrupted: partial)</strong>' : ''}.
Each figure is the median of ${report.options.plan.repeats} run(s), with the smallest and largest in brackets; strongbox and the raw client ran A/B interleaved on the same cluster.</p>
<h2>Summary</h2>
${summary}
<h2>Charts</h2>
${canvases}
${sections}
<h2>Workloads</h2><dl>${defs}</dl>
<script type="application/json" id="data">${data}</script>
<script>${chartJsSource().replace(/<\/script/gi, '<\\/script')}</script>
<script>${CLIENT}</script>
</body></html>
`;
}
