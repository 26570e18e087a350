import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { Backend, Cluster } from '@strongbox/cluster';
import {
  type CaseOutcome,
  contractCases,
  defaultRunDir,
  type NemesisKind,
  nemesisKinds,
  type RunProgress,
  type RunSummary,
  runContractCases,
  runLinearizability,
  summarizeRun,
  writeRun,
} from '@strongbox/conformance';
import {
  type BackendName,
  backendNames,
  createMemoryStore,
  createStore,
  MemoryState,
  type Store,
} from '@strongbox/core';
import type { Command } from '../commands.js';

const USAGE = `usage: strongbox check [--backend etcd|consul|zookeeper|memory] [--nodes 3] [--time 60]
                       [--nemesis kill,kill-leader,pause,pause-leader] [--endpoints host:port,...] [--out dir]

Starts a fresh local cluster (default: etcd, 3 nodes), or uses --endpoints (then without faults), runs the
contract suite and the linearizability suite under each nemesis, and prints a verdict table. --time is the
total workload time in seconds, shared by the nemeses. Exits 0 only if everything passed.`;

/** What `strongbox check` runs, after its arguments are parsed. */
interface CheckPlan {
  backend: BackendName;
  nodes: number;
  timeMs: number;
  nemeses: Array<NemesisKind | 'none'>;
  endpoints: string[] | undefined;
  out: string;
}

/** One row of the verdict table. */
interface LinRow {
  nemesis: string;
  summary: RunSummary;
  report: string;
}

export const command: Command = {
  summary: 'run the contract and linearizability suites against a fresh cluster and print the verdicts',
  async run(args) {
    const plan = parsePlan(args);
    if (typeof plan === 'string') {
      console.error(plan);
      return 2;
    }
    return check(plan);
  },
};

function parsePlan(args: string[]): CheckPlan | string {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        backend: { type: 'string', default: 'etcd' },
        nodes: { type: 'string', default: '3' },
        time: { type: 'string', default: '60' },
        nemesis: { type: 'string' },
        endpoints: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return `strongbox check: ${(err as Error).message}\n\n${USAGE}`;
  }
  if (values.help) return USAGE;
  const problems: string[] = [];
  const backend = String(values.backend);
  if (!(backendNames as readonly string[]).includes(backend)) {
    problems.push(`--backend must be one of ${backendNames.join(', ')}, got '${backend}'`);
  }
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 7)
    problems.push(`--nodes must be 1..7, got '${values.nodes}'`);
  const time = Number(values.time);
  if (!Number.isFinite(time) || time <= 0)
    problems.push(`--time must be a positive number of seconds, got '${values.time}'`);
  const endpoints = typeof values.endpoints === 'string' ? splitList(values.endpoints) : undefined;
  if (endpoints !== undefined && endpoints.length === 0)
    problems.push('--endpoints must name at least one host:port');
  if (endpoints !== undefined && backend === 'memory')
    problems.push('--endpoints makes no sense with --backend memory');
  let nemeses: Array<NemesisKind | 'none'> = [...nemesisKinds];
  if (typeof values.nemesis === 'string') {
    const asked = splitList(values.nemesis);
    const bad = asked.filter((n) => !(nemesisKinds as readonly string[]).includes(n));
    if (bad.length > 0 || asked.length === 0) {
      problems.push(`--nemesis takes a list of ${nemesisKinds.join(', ')}, got '${values.nemesis}'`);
    }
    if (endpoints !== undefined || backend === 'memory') {
      problems.push('--nemesis needs a cluster this command starts (not --endpoints, not memory)');
    }
    nemeses = asked as NemesisKind[];
  }
  // Without a cluster of our own there is nothing to fault: one plain run.
  if (endpoints !== undefined || backend === 'memory') nemeses = ['none'];
  if (problems.length > 0) return `strongbox check: ${problems.join('; ')}\n\n${USAGE}`;
  return {
    backend: backend as BackendName,
    nodes,
    timeMs: time * 1000,
    nemeses,
    endpoints,
    out: typeof values.out === 'string' ? values.out : defaultRunDir(backend),
  };
}

const splitList = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

async function check(plan: CheckPlan): Promise<number> {
  const out = new Output(process.stdout.isTTY === true);
  const stop = new AbortController();
  let cluster: Cluster | undefined;
  let interrupted = false;
  // Only a linearizability run can stop gracefully (heal its faults, check what it recorded); before
  // it, the contract cases cannot be interrupted, so Ctrl-C then stops the servers and exits at once.
  let graceful = false;
  const onSignal = (): void => {
    if (interrupted || !graceful) {
      out.line('interrupted: stopping the servers');
      // The servers' watchdogs end them with this process even if stop() does not finish.
      void (cluster?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
      return;
    }
    interrupted = true;
    out.line('interrupted: healing faults and stopping the servers (Ctrl-C again to stop at once)');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let openStore: () => Promise<Store>;
    let where: string;
    if (plan.backend === 'memory') {
      const state = new MemoryState();
      openStore = async () => createMemoryStore({ state });
      where = 'in-process memory store';
    } else if (plan.endpoints !== undefined) {
      const endpoints = plan.endpoints;
      openStore = () => createStore({ backend: plan.backend, endpoints });
      where = endpoints.join(', ');
    } else {
      // Loaded here, so a memory or --endpoints check never loads the cluster code.
      const { startCluster } = await import('@strongbox/cluster');
      out.line(`starting a ${plan.nodes}-node ${plan.backend} cluster…`);
      cluster = await startCluster({
        backend: plan.backend as Backend,
        nodes: plan.nodes,
        onProgress: (m) => out.line(`  ${m}`),
      });
      const endpoints = [...cluster.endpoints];
      openStore = () => createStore({ backend: plan.backend, endpoints });
      where = `${plan.nodes} nodes at ${endpoints.join(', ')}`;
    }
    out.line(`strongbox check: ${plan.backend}, ${where}`);

    let done = 0;
    const contract = await runContractCases({
      name: plan.backend,
      createStore: openStore,
      onCase: (o: CaseOutcome) => {
        done++;
        if (!o.passed) out.line(`  contract FAILED: ${o.group} › ${o.name}: ${describe(o.error)}`);
        out.bar(`contract ${done}/${contractCases.length}`, done / contractCases.length);
      },
    });
    out.endBar();
    const failed = contract.filter((o) => !o.passed).length;
    out.line(`contract: ${contract.length - failed}/${contract.length} cases passed`);

    const rows: LinRow[] = [];
    graceful = true;
    const perRunMs = Math.max(1_000, Math.round(plan.timeMs / plan.nemeses.length));
    for (const nemesis of plan.nemeses) {
      if (stop.signal.aborted) break;
      const run = await runLinearizability({
        name: `${plan.backend}, ${nemesis === 'none' ? 'no nemesis' : nemesis}`,
        backend: plan.backend,
        durationMs: perRunMs,
        openStore,
        signal: stop.signal,
        ...(plan.backend === 'memory' ? { thinkMs: 1 } : {}),
        ...(nemesis === 'none' || cluster === undefined ? {} : { nemesis: { cluster, kind: nemesis } }),
        onProgress: (p) => out.progress(nemesis, p),
      });
      out.endBar();
      const files = writeRun(run, join(plan.out, nemesis));
      const summary = summarizeRun(run);
      rows.push({ nemesis, summary, report: files.report });
      out.line(
        `linearizability (${nemesis}): ${summary.verdict}, ${summary.ops} ops, ${summary.faults} faults, ${summary.throughput.opsPerSec} ops/s`,
      );
    }
    out.line('');
    out.line(table(contract, rows, plan.nemeses.length));
    const passed =
      !interrupted &&
      failed === 0 &&
      rows.length === plan.nemeses.length &&
      rows.every((r) => r.summary.verdict === 'ok' && r.summary.unreadKeys.length === 0);
    const summaryFile = join(plan.out, 'summary.json');
    writeSummary(summaryFile, plan, where, passed, contract, rows);
    out.line(`summary: ${relative(process.cwd(), summaryFile) || summaryFile}`);
    out.line(`\n${passed ? 'PASSED' : 'FAILED'}: ${plan.backend}`);
    return passed ? 0 : interrupted ? 130 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cluster?.stop();
  }
}

/** Everything the table says, for scripts: `<out>/summary.json`. */
function writeSummary(
  file: string,
  plan: CheckPlan,
  where: string,
  passed: boolean,
  contract: readonly CaseOutcome[],
  rows: readonly LinRow[],
): void {
  const summary = {
    backend: plan.backend,
    where,
    passed,
    contract: contract.map((o) => ({
      group: o.group,
      name: o.name,
      passed: o.passed,
      ...(o.passed ? {} : { error: describe(o.error) }),
    })),
    linearizability: rows.map((r) => ({ ...r.summary, keys: undefined, report: r.report })),
  };
  mkdirSync(plan.out, { recursive: true });
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
}

function table(contract: readonly CaseOutcome[], rows: readonly LinRow[], planned: number): string {
  const failed = contract.filter((o) => !o.passed).length;
  const lines: string[][] = [
    ['suite', 'verdict', 'ops', 'ok', 'fail', 'info', 'faults', 'ops/s'],
    [
      'contract',
      failed === 0 ? 'passed' : 'failed',
      `${contract.length - failed}/${contract.length}`,
      '',
      '',
      '',
      '',
      '',
    ],
  ];
  let ops = 0;
  let ok = 0;
  let ms = 0;
  for (const r of rows) {
    const s = r.summary;
    lines.push([
      `linearizability: ${r.nemesis}`,
      s.unreadKeys.length > 0 && s.verdict === 'ok' ? 'unread keys' : s.verdict,
      String(s.ops),
      String(s.totals.ok),
      String(s.totals.fail),
      String(s.totals.info),
      String(s.faults),
      String(s.throughput.opsPerSec),
    ]);
    ops += s.throughput.opsPerSec * s.workloadMs;
    ok += s.throughput.okPerSec * s.workloadMs;
    ms += s.workloadMs;
  }
  if (rows.length < planned)
    lines.push([`(${planned - rows.length} run(s) not done)`, '', '', '', '', '', '', '']);
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length))) ?? [];
  const text = lines.map((l) =>
    l
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  text.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const secs = ms / 1000;
  if (secs > 0) {
    text.push(
      '',
      `throughput: ${(ops / ms).toFixed(1)} ops/s (${(ok / ms).toFixed(1)} ok/s) over ${secs.toFixed(1)} s`,
    );
  }
  for (const r of rows) text.push(`report (${r.nemesis}): ${relative(process.cwd(), r.report) || r.report}`);
  return text.join('\n');
}

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]?.slice(0, 200) ?? '';
}

/** Progress on a terminal (one redrawn bar) or as plain lines when piped. */
class Output {
  #barShown = false;
  #lastPlain = '';
  constructor(private readonly tty: boolean) {}

  line(text: string): void {
    this.endBar();
    process.stdout.write(`${text}\n`);
  }

  bar(label: string, fraction: number, extra = ''): void {
    if (!this.tty) return;
    const width = 30;
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    process.stdout.write(`\r\x1b[K${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${extra}`);
    this.#barShown = true;
  }

  endBar(): void {
    if (this.#barShown) process.stdout.write('\n');
    this.#barShown = false;
  }

  progress(nemesis: string, p: RunProgress): void {
    const fault = p.fault === undefined ? '' : `  fault: ${p.fault}`;
    if (this.tty) {
      const secs = `${(p.elapsedMs / 1000).toFixed(1)}/${(p.durationMs / 1000).toFixed(0)} s`;
      this.bar(
        `linearizability (${nemesis})`,
        p.elapsedMs / p.durationMs,
        `${secs}  ${p.ops} ops  ${p.phase}${fault}`,
      );
      return;
    }
    // Piped: one line per phase or fault change, not four a second.
    const key = `${p.phase}${fault}`;
    if (key === this.#lastPlain) return;
    this.#lastPlain = key;
    process.stdout.write(
      `  ${nemesis}: ${p.phase} at ${(p.elapsedMs / 1000).toFixed(1)} s, ${p.ops} ops${fault}\n`,
    );
  }
}
