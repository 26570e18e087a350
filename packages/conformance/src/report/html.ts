import type { CheckResult, KeyResult } from '../checker/check.js';
import { type Operation, pairOperations } from '../history/operations.js';
import type { HistoryEvent } from '../history/schema.js';
import { CSS, describeOp, esc, ms, outcomeClass, shortLabel } from './format.js';

/** A fault injected during the run, on the history's clock. */
export interface Fault {
  readonly start: number;
  /** When it healed; absent if it never did (drawn to the end of the history). */
  readonly end?: number;
  /** What it was: kill, pause, partition, … */
  readonly kind: string;
  readonly node?: string;
}

/** Input of {@link renderHtmlReport}. */
export interface ReportInput {
  /** The events that were checked (the same array, so operation ids match the result's). */
  readonly history: readonly HistoryEvent[];
  readonly result: CheckResult;
  readonly faults?: readonly Fault[];
  /** @default 'strongbox linearizability report' */
  readonly title?: string;
  /** Operations drawn per key; a violating key shows those nearest the violation. @default 1500 */
  readonly maxOpsPerKey?: number;
  /** Passing keys drawn as timelines; the rest appear in the summary table only. @default 10 */
  readonly maxPassingKeys?: number;
  /** Process lanes drawn per key. @default 64 */
  readonly maxLanes?: number;
}

/**
 * Renders a check as one self-contained HTML file (inline CSS, no scripts, no network): a summary table, then per
 * key a timeline with one lane per process and one bar per operation from invocation to completion, coloured by
 * outcome, with fault intervals shaded. Violating keys list the longest linearizable prefix and mark the
 * operation that cannot be placed. Stable hooks for tests: `section.key[data-key][data-verdict]`, `.lane`
 * `[data-process]`, `.op[data-op]`, `.fault`, `.unplaceable`.
 *
 * @example
 * writeFileSync('report.html', renderHtmlReport({ history: events, result: checkHistory(events), faults }));
 */
export function renderHtmlReport(input: ReportInput): string {
  const { history, result, faults = [] } = input;
  const title = input.title ?? 'strongbox linearizability report';
  const maxOps = input.maxOpsPerKey ?? 1500;
  const maxPassing = input.maxPassingKeys ?? 10;
  const maxLanes = input.maxLanes ?? 64;
  const ops = pairOperations(history);
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    const list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, [op]);
    else list.push(op);
  }
  let origin = Number.POSITIVE_INFINITY;
  for (const e of history) origin = Math.min(origin, e.time);
  if (!Number.isFinite(origin)) origin = 0;

  // Violations first, then unknowns, then a few passing keys: what a reader needs is at the top.
  const rank = { illegal: 0, unknown: 1, ok: 2 } as const;
  const keys = [...result.keys].sort((x, y) => rank[x.verdict] - rank[y.verdict]);
  const firstOk = keys.findIndex((k) => k.verdict === 'ok');
  const drawn = keys.filter((k, i) => k.verdict !== 'ok' || i - firstOk < maxPassing);
  const passingHidden = keys.length - drawn.length;

  const sections = drawn.map((k) =>
    renderKey(k, byKey.get(k.key) ?? [], { origin, faults, maxOps, maxLanes, ids: anchorIds(result.keys) }),
  );
  const counts = { ok: 0, illegal: 0, unknown: 0 };
  for (const k of result.keys) counts[k.verdict]++;
  const words = { ok: 'linearizable', illegal: 'NOT linearizable', unknown: 'unknown' } as const;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${CSS}</style></head>
<body data-verdict="${result.verdict}">
<header><h1>${esc(title)}</h1>
<p><span class="verdict-badge ${result.verdict}" id="verdict">${words[result.verdict]}</span>
${result.keys.length} keys (${counts.illegal} illegal, ${counts.unknown} unknown, ${counts.ok} ok),
${result.ops} operations, ${history.length} events, ${faults.length} faults; checked in ${result.steps} steps,
${result.elapsedMs.toFixed(0)} ms.</p>
<p class="legend"><span><i style="background:var(--ok)"></i>ok</span><span><i style="background:var(--fail)"></i>fail (comparison lost)</span>
<span><i style="background:var(--failed)"></i>fail (did not happen)</span><span><i style="background:var(--info)"></i>info (unknown)</span>
<span><i style="background:var(--bad)"></i>cannot be placed</span><span><i style="background:var(--fault)"></i>fault</span></p>
</header>
${renderSummary(keys, anchorIds(result.keys))}
<main>
${sections.join('\n')}
${passingHidden > 0 ? `<p class="note" id="hidden-keys">${passingHidden} more linearizable keys are listed in the summary only.</p>` : ''}
</main></body></html>
`;
}

const anchorCache = new WeakMap<readonly KeyResult[], Map<string, string>>();
/** Element ids for keys: any string can be a key, so number them instead of escaping. */
function anchorIds(keys: readonly KeyResult[]): Map<string, string> {
  let ids = anchorCache.get(keys);
  if (ids === undefined) {
    ids = new Map(keys.map((k, i) => [k.key, `key-${i}`]));
    anchorCache.set(keys, ids);
  }
  return ids;
}

function renderSummary(keys: readonly KeyResult[], ids: Map<string, string>): string {
  const row = (k: KeyResult): string =>
    `<tr data-key="${esc(k.key)}" data-verdict="${k.verdict}"><td><a href="#${ids.get(k.key)}">${esc(k.key)}</a></td>` +
    `<td>${k.verdict}${k.exhausted ? ` (${k.exhausted} budget)` : ''}</td><td>${k.ops}</td><td>${k.steps}</td><td>${k.elapsedMs.toFixed(1)}</td></tr>`;
  const table = (rows: readonly KeyResult[]): string =>
    `<table class="summary"><thead><tr><th>key</th><th>verdict</th><th>ops</th><th>steps</th><th>ms</th></tr></thead>
<tbody>${rows.map(row).join('')}</tbody></table>`;
  const failing = keys.filter((k) => k.verdict !== 'ok');
  const passing = keys.filter((k) => k.verdict === 'ok');
  // With many keys the passing ones fold away, so the violations and their timelines stay on the first screen.
  if (passing.length <= 20) return table(keys);
  return `${failing.length > 0 ? table(failing) : ''}<details class="passing-keys"><summary>${passing.length} linearizable keys</summary>
${table(passing)}</details>`;
}

interface KeyContext {
  readonly origin: number;
  readonly faults: readonly Fault[];
  readonly maxOps: number;
  readonly maxLanes: number;
  readonly ids: Map<string, string>;
}

function renderKey(k: KeyResult, all: readonly Operation[], ctx: KeyContext): string {
  const v = k.violation;
  const order = new Map<number, number>();
  for (const [i, id] of (v?.longestPrefix ?? []).entries()) order.set(id, i + 1);
  const shown = pickOps(all, ctx.maxOps, v?.unplaceable);
  const notes: string[] = [];
  if (shown.length < all.length) {
    notes.push(
      `Showing ${shown.length} of ${all.length} operations${v ? ', those nearest the violation' : ''}.`,
    );
  }
  const lanes = [...new Set(shown.map((op) => op.process))].sort(compareProcess);
  if (lanes.length > ctx.maxLanes) notes.push(`Showing ${ctx.maxLanes} of ${lanes.length} process lanes.`);
  const laneSet = new Set(lanes.slice(0, ctx.maxLanes));

  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  for (const op of shown) {
    t0 = Math.min(t0, op.invokeTime);
    t1 = Math.max(t1, op.completeTime ?? op.invokeTime);
  }
  if (!Number.isFinite(t0)) t0 = t1 = ctx.origin;
  if (t1 <= t0) t1 = t0 + 1;
  const span = t1 - t0;
  const pct = (t: number): string => `${(((Math.min(Math.max(t, t0), t1) - t0) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number): string =>
    `${(((Math.min(b, t1) - Math.max(a, t0)) / span) * 100).toFixed(3)}%`;

  const laneHtml = [...laneSet].map((p) => {
    const bars = shown
      .filter((op) => op.process === p)
      .map((op) => {
        const end = op.completeTime ?? t1;
        const classes = [`op ${outcomeClass(op)}`];
        if (order.has(op.id)) classes.push('in-prefix');
        if (v?.unplaceable.id === op.id) classes.push('unplaceable');
        const n = order.get(op.id);
        const tip = `${describeOp(op, ctx.origin)}${n ? `; linearized #${n}` : ''}`;
        return `<div class="${classes.join(' ')}" data-op="${op.id}" style="left:${pct(op.invokeTime)};width:${width(op.invokeTime, end)}" title="${esc(tip)}">${esc(shortLabel(op))}</div>`;
      });
    return `<div class="lane" data-process="${esc(String(p))}"><span class="lane-label">p${esc(String(p))}</span><div class="lane-track">${bars.join('')}</div></div>`;
  });

  const faultHtml = ctx.faults
    .filter((f) => f.start <= t1 && (f.end ?? t1) >= t0)
    .map((f) => {
      const end = f.end ?? t1;
      const label = `${f.kind}${f.node ? ` ${f.node}` : ''}`;
      return `<div class="fault" data-kind="${esc(f.kind)}" style="left:${pct(f.start)};width:${width(f.start, end)}" title="${esc(`${label}: ${ms(f.start - ctx.origin)} to ${f.end === undefined ? 'never healed' : ms(f.end - ctx.origin)}`)}">${esc(label)}</div>`;
    });

  return `<section class="key" id="${ctx.ids.get(k.key)}" data-key="${esc(k.key)}" data-verdict="${k.verdict}">
<h2>${esc(k.key)} <span class="verdict-badge ${k.verdict}">${k.verdict}</span></h2>
<p>${k.ops} operations (${k.checkedOps} to place), ${k.steps} steps, ${k.elapsedMs.toFixed(1)} ms${k.exhausted ? `; the ${k.exhausted} budget ran out before a verdict` : ''}.</p>
${v ? renderViolation(k, all, ctx.origin) : ''}
${notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}
<div class="timeline"><div class="timeline-inner" style="min-width:${Math.max(600, Math.ceil((shown.length / Math.max(1, laneSet.size)) * 24))}px">
<div class="axis"><span>${ms(t0 - ctx.origin)}</span><span>${ms(t1 - ctx.origin)}</span></div>
<div class="tracks">${laneHtml.join('')}<div class="fault-layer">${faultHtml.join('')}</div></div></div></div>
</section>`;
}

function renderViolation(k: KeyResult, all: readonly Operation[], origin: number): string {
  const v = k.violation;
  if (v === undefined) return '';
  const byId = new Map(all.map((op) => [op.id, op]));
  const items = v.longestPrefix.map((id) => {
    const op = byId.get(id);
    return `<li>${esc(op ? describeOp(op, origin) : `#${id}`)}</li>`;
  });
  return `<div class="violation"><strong>Not linearizable.</strong> The longest linearizable prefix found has
${v.longestPrefix.length} of ${k.checkedOps} operations and leaves the register holding
<code>${esc(JSON.stringify(v.stateAfterPrefix))}</code>. The operation that cannot be placed after it:
<p class="unplaceable-op"><code>${esc(describeOp(v.unplaceable, origin))}</code></p>
<details><summary>Prefix in linearization order</summary><ol class="prefix">${items.join('')}</ol></details></div>`;
}

/** At most `max` operations: all of them, or for a violation those invoked nearest the unplaceable one. */
function pickOps(all: readonly Operation[], max: number, focus: Operation | undefined): readonly Operation[] {
  if (all.length <= max) return all;
  if (focus === undefined) return all.slice(0, max);
  const sorted = [...all].sort((a, b) => a.invokeTime - b.invokeTime || a.id - b.id);
  const at = sorted.findIndex((op) => op.id === focus.id);
  const from = Math.max(0, Math.min(at - Math.floor(max / 2), sorted.length - max));
  return sorted.slice(from, from + max);
}

function compareProcess(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}
