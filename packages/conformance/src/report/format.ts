import type { Operation } from '../history/operations.js';

/** Escapes text for HTML content and attribute values. */
export function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const json = (v: unknown): string => JSON.stringify(v) ?? 'undefined';

/** A short label that fits in an operation's bar: `w 5`, `r 5`, `cas 1→2`, `cr 3`, `del`. */
export function shortLabel(op: Operation): string {
  switch (op.f) {
    case 'read':
      return op.outcome === 'ok' ? `r ${json(op.result)}` : 'r ?';
    case 'write':
      return `w ${json(op.arg)}`;
    case 'cas': {
      const [e, n] = op.arg as readonly unknown[];
      return `cas ${json(e)}→${json(n)}`;
    }
    case 'create':
      return `cr ${json(op.arg)}`;
    case 'delete':
      return op.result === undefined ? 'del' : `del ${op.result ? 'was present' : 'was absent'}`;
  }
}

/** The full description shown on hover and in the violation box. */
export function describeOp(op: Operation, origin: number): string {
  const arg = op.arg === null ? '' : ` ${json(op.arg)}`;
  const result = op.result === undefined ? '' : ` → ${json(op.result)}`;
  const end = op.completeTime === undefined ? 'never completed' : `completed ${ms(op.completeTime - origin)}`;
  const outcome = {
    ok: 'ok',
    lost: 'failed: comparison lost',
    failed: 'failed: did not happen',
    unknown: 'outcome unknown',
  }[op.outcome];
  return `#${op.id} process ${json(op.process)}: ${op.f}${arg}${result} (${outcome}); invoked ${ms(op.invokeTime - origin)}, ${end}`;
}

/** Nanoseconds as milliseconds with three decimals. */
export function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(3)} ms`;
}

/** The CSS class of an operation's bar: its outcome as drawn (ok, fail, info) plus the finer outcome. */
export function outcomeClass(op: Operation): string {
  switch (op.outcome) {
    case 'ok':
      return 'ok';
    case 'lost':
      return 'fail lost';
    case 'failed':
      return 'fail failed';
    case 'unknown':
      return op.completeTime === undefined ? 'info open' : 'info';
  }
}

/** The report's stylesheet: inline, so the file opens anywhere with no network. */
export const CSS = `
:root { --ok: #2e8b57; --fail: #d08c00; --failed: #9a9a9a; --info: #7b4fc9; --bad: #d0312d; --fault: rgba(208,49,45,.12); }
* { box-sizing: border-box; }
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; padding: 16px 24px; color: #1c1c1c; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 8px; } h2 { font-size: 16px; margin: 0 0 8px; }
.verdict-badge { display: inline-block; padding: 2px 8px; border-radius: 4px; color: #fff; font-weight: 600; }
.verdict-badge.ok { background: var(--ok); } .verdict-badge.illegal { background: var(--bad); }
.verdict-badge.unknown { background: var(--failed); }
.legend span { display: inline-block; margin-right: 12px; }
.legend i { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: middle; }
table.summary { border-collapse: collapse; margin: 8px 0 16px; }
table.summary td, table.summary th { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; }
section.key { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 12px; margin: 12px 0; }
section.key[data-verdict="illegal"] { border-color: var(--bad); }
.violation { background: #fdecea; border-left: 4px solid var(--bad); padding: 8px; margin: 8px 0; }
.violation ol { max-height: 240px; overflow: auto; margin: 4px 0; font-family: ui-monospace, monospace; font-size: 12px; }
.note { color: #666; font-style: italic; }
.timeline { position: relative; margin-top: 8px; overflow-x: auto; }
.timeline-inner { position: relative; }
.axis { display: flex; justify-content: space-between; margin-left: 64px; color: #666; font-size: 11px; }
.tracks { position: relative; }
.lane { display: flex; align-items: center; height: 22px; border-bottom: 1px dotted #e4e4e4; }
.lane-label { width: 64px; flex: none; font-family: ui-monospace, monospace; font-size: 11px; color: #555; }
.lane-track { position: relative; flex: 1; height: 18px; }
.op { position: absolute; top: 1px; height: 16px; min-width: 2px; border-radius: 3px; overflow: hidden;
  white-space: nowrap; font-size: 10px; line-height: 16px; padding: 0 2px; color: #fff; }
.op.ok { background: var(--ok); } .op.fail.lost { background: var(--fail); } .op.fail.failed { background: var(--failed); }
.op.info { background: var(--info); } .op.info.open { background: repeating-linear-gradient(45deg, var(--info) 0 6px, #a58be0 6px 12px); }
.op.in-prefix { box-shadow: inset 0 0 0 2px #114; }
.op.unplaceable { background: var(--bad); box-shadow: 0 0 0 2px #000; z-index: 2; }
.fault-layer { position: absolute; top: 0; bottom: 0; left: 64px; right: 0; pointer-events: none; }
.fault { position: absolute; top: 0; bottom: 0; background: var(--fault); border-left: 1px solid var(--bad);
  font-size: 10px; color: var(--bad); padding-left: 2px; overflow: hidden; white-space: nowrap; }
`;
