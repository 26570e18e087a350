import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type CheckResult,
  checkOperations,
  type Fault,
  HistoryFormatError,
  type KeyResult,
  type Operation,
  pairOperations,
  parseHistoryWithLines,
  renderHtmlReport,
} from '@strongbox/conformance';
import type { Command } from '../commands.js';

const USAGE = `usage: strongbox verify <history.jsonl> [options]

Checks that a recorded history is linearizable, key by key.

options:
  --html <file>           also write a self-contained HTML report
  --faults <file>         fault timeline to draw in the report (faults.json of a run, or a JSON array)
  --time-limit-ms <n>     give up (verdict unknown) after n ms in total (default 60000)
  --step-limit <n>        give up on a key (unknown) after n search steps
  --only-failures         list only keys that are not ok
exit status: 0 linearizable, 1 not linearizable, 2 unknown, malformed file or bad usage`;

/** `strongbox verify`: checks a history file and exits 0 (linearizable), 1 (not) or 2 (unknown or malformed). */
export const command: Command = {
  summary: 'check that a history.jsonl is linearizable (exit 0 ok, 1 violation, 2 unknown/malformed)',
  async run(args) {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(args);
    } catch (err) {
      console.error(`strongbox verify: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const { file, html, faultsFile, timeLimitMs, stepLimit, onlyFailures } = parsed;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      console.error(`strongbox verify: cannot read ${file}: ${(err as Error).message}`);
      return 2;
    }
    let history: ReturnType<typeof parseHistoryWithLines>;
    let faults: Fault[] = [];
    try {
      history = parseHistoryWithLines(text);
      if (faultsFile !== undefined) faults = readFaults(faultsFile);
    } catch (err) {
      const where = err instanceof HistoryFormatError ? `${file}:${err.line}` : (faultsFile ?? file);
      console.error(
        `strongbox verify: ${where}: malformed: ${(err as Error).message.replace(/^line \d+: /, '')}`,
      );
      return 2;
    }
    const ops = pairOperations(history.events);
    const result = checkOperations(ops, {
      ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
      ...(stepLimit !== undefined ? { stepLimit } : {}),
    });
    printResult(file, history.events.length, ops, history.lines, result, onlyFailures);
    if (html !== undefined) {
      writeFileSync(html, renderHtmlReport({ history: history.events, result, faults, title: file }));
      console.log(`report: ${html}`);
    }
    return result.verdict === 'ok' ? 0 : result.verdict === 'illegal' ? 1 : 2;
  },
};

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      html: { type: 'string' },
      faults: { type: 'string' },
      'time-limit-ms': { type: 'string' },
      'step-limit': { type: 'string' },
      'only-failures': { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new Error(`expected one history file, got ${positionals.length}`);
  return {
    file: positionals[0] as string,
    html: values.html,
    faultsFile: values.faults,
    timeLimitMs: positive('--time-limit-ms', values['time-limit-ms']),
    stepLimit: positive('--step-limit', values['step-limit']),
    onlyFailures: values['only-failures'] === true,
  };
}

function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Reads a run's faults.json (`{ faults: [...] }`) or a bare array of faults. */
function readFaults(file: string): Fault[] {
  const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const list = Array.isArray(json) ? json : (json as { faults?: unknown }).faults;
  if (!Array.isArray(list)) throw new Error('expected an array of faults or an object with a "faults" array');
  return list.map((f, i) => {
    const { start, end, kind, node } = (f ?? {}) as Record<string, unknown>;
    if (typeof start !== 'number' || typeof kind !== 'string') {
      throw new Error(`fault ${i} needs a numeric "start" and a string "kind"`);
    }
    return {
      start,
      kind,
      ...(typeof end === 'number' ? { end } : {}),
      ...(typeof node === 'string' ? { node } : {}),
    };
  });
}

function printResult(
  file: string,
  events: number,
  ops: readonly Operation[],
  lines: readonly number[],
  result: CheckResult,
  onlyFailures: boolean,
): void {
  console.log(`${file}: ${events} events, ${ops.length} operations, ${result.keys.length} keys`);
  const width = Math.min(40, Math.max(3, ...result.keys.map((k) => k.key.length)));
  for (const k of result.keys) {
    if (onlyFailures && k.verdict === 'ok') continue;
    const label = k.verdict === 'illegal' ? 'ILLEGAL' : k.verdict;
    console.log(
      `  ${label.padEnd(8)} ${k.key.padEnd(width)} ${String(k.ops).padStart(6)} ops ${String(k.steps).padStart(9)} steps ${k.elapsedMs.toFixed(1).padStart(8)} ms${explain(k, lines)}`,
    );
  }
  const count = (v: string) => result.keys.filter((k) => k.verdict === v).length;
  const words = { ok: 'linearizable', illegal: 'NOT linearizable', unknown: 'unknown' } as const;
  console.log(
    `verdict: ${words[result.verdict]} (${count('illegal')} illegal, ${count('unknown')} unknown, ${count('ok')} ok; ${result.steps} steps, ${result.elapsedMs.toFixed(0)} ms)`,
  );
}

function explain(k: KeyResult, lines: readonly number[]): string {
  if (k.verdict === 'unknown') return `  (${k.exhausted ?? 'time'} budget ran out)`;
  const v = k.violation;
  if (v === undefined) return '';
  const op = v.unplaceable;
  const line = (i: number | undefined) => (i === undefined ? '?' : String(lines[i] ?? i + 1));
  const shown =
    op.f === 'read' || (op.f === 'delete' && op.result !== undefined)
      ? ` -> ${JSON.stringify(op.result)}`
      : '';
  const arg = op.arg === null ? '' : ` ${JSON.stringify(op.arg)}`;
  return (
    `\n    longest linearizable prefix: ${v.longestPrefix.length} of ${k.checkedOps} operations; register then held ${JSON.stringify(v.stateAfterPrefix)}` +
    `\n    cannot place: process ${JSON.stringify(op.process)} ${op.f}${arg}${shown} (${op.outcome}), invoked at line ${line(op.invokeIndex)}, completed at line ${line(op.completeIndex)}`
  );
}
