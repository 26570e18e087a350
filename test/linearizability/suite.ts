/**
 * The linearizability suite against one real 3-node cluster per backend: one test per nemesis, each a short
 * run whose history, fault timeline, result and report land in `.runs/<time>-<backend>/<nemesis>/`.
 * A test passes only on the verdict `ok`: `unknown` (the checker ran out of budget) is a failure too.
 */
import { type Backend, type Cluster, startCluster } from '@strongbox/cluster';
import {
  defaultRunDir,
  type NemesisKind,
  nemesisKinds,
  runLinearizability,
  summarizeRun,
  writeRun,
} from '@strongbox/conformance';
import { createStore } from '@strongbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Options of {@link describeLinearizability}. */
export interface SuiteOptions {
  readonly backend: Backend;
  /** @default 3 */
  readonly nodes?: number;
  /** @default every nemesis */
  readonly nemeses?: readonly NemesisKind[];
  /** Workload time per nemesis. @default 12000 */
  readonly durationMs?: number;
}

/** Registers one describe block: a cluster started once, and one linearizability run per nemesis. */
export function describeLinearizability(options: SuiteOptions): void {
  const nodes = options.nodes ?? 3;
  const durationMs = options.durationMs ?? 12_000;
  const runDir = defaultRunDir(options.backend);
  describe(`linearizability: ${options.backend} ${nodes} nodes`, () => {
    let cluster: Cluster | undefined;
    beforeAll(async () => {
      cluster = await startCluster({ backend: options.backend, nodes });
    }, 120_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    for (const kind of options.nemeses ?? nemesisKinds) {
      it(
        kind,
        async () => {
          const c = cluster as Cluster;
          const run = await runLinearizability({
            name: `${options.backend} ${nodes} nodes, ${kind}`,
            backend: options.backend,
            durationMs,
            openStore: () => createStore({ backend: options.backend, endpoints: [...c.endpoints] }),
            nemesis: { cluster: c, kind, faultMs: 3_000, healMs: 2_000 },
            checkTimeLimitMs: 30_000,
          });
          const files = writeRun(run, `${runDir}/${kind}`);
          const summary = summarizeRun(run);
          const bad = summary.keys.filter((k) => k.verdict !== 'ok').map((k) => `${k.key}: ${k.verdict}`);
          expect(
            { verdict: summary.verdict, unreadKeys: summary.unreadKeys },
            `${bad.join(', ')}; see ${files.report}`,
          ).toEqual({ verdict: 'ok', unreadKeys: [] });
          // The nemesis really struck, and the clients got work done around it.
          expect(run.faults.length).toBeGreaterThan(0);
          expect(run.faults.every((f) => f.end !== undefined && f.error === undefined)).toBe(true);
          expect(summary.totals.ok).toBeGreaterThan(20);
          if (kind.endsWith('leader')) expect(run.faults.some((f) => f.leader)).toBe(true);
        },
        durationMs + 90_000,
      );
    }
  });
}
