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
import { createStore, type Store, type StoreConfig } from '@strongbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRequests } from '../support/requests.js';

/** Options of {@link describeLinearizability}. */
export interface SuiteOptions {
  readonly backend: Backend;
  /** @default 3 */
  readonly nodes?: number;
  /** @default every nemesis */
  readonly nemeses?: readonly NemesisKind[];
  /** Workload time per nemesis. @default 12000 */
  readonly durationMs?: number;
  /** What sets this run apart, in the test names and run dirs (e.g. `shared`). */
  readonly variant?: string;
  /** More store config, for every client. */
  readonly config?: Omit<StoreConfig, 'backend' | 'endpoints'>;
  /**
   * The workload clients share one store handle, so its calls overlap (each client still runs one
   * at a time); the final reader gets its own. @default false: a store per client
   */
  readonly shareStore?: boolean;
  /** Requests that prove the variant took effect (HTTP method and path): the run must send some. */
  readonly evidence?: RegExp;
}

/** Registers one describe block: a cluster started once, and one linearizability run per nemesis. */
export function describeLinearizability(options: SuiteOptions): void {
  const nodes = options.nodes ?? 3;
  const durationMs = options.durationMs ?? 12_000;
  const runDir = defaultRunDir(options.backend);
  const variant = options.variant === undefined ? '' : `, ${options.variant}`;
  const slug = options.variant === undefined ? '' : `${options.variant.replace(/[^a-z0-9]+/gi, '-')}-`;
  describe(`linearizability: ${options.backend} ${nodes} nodes${variant}`, () => {
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
          const clients = 5;
          const open = () =>
            createStore({ ...options.config, backend: options.backend, endpoints: [...c.endpoints] });
          let shared: Promise<Store> | undefined;
          let opened = 0;
          // Shared: the workload's clients get one handle (closing it again is a no-op), the final reader its own.
          const openStore = (): Promise<Store> => {
            if (!options.shareStore || ++opened > clients) return open();
            shared ??= open();
            return shared;
          };
          const { result: run, sent } = await countRequests(() =>
            runLinearizability({
              name: `${options.backend} ${nodes} nodes${variant}, ${kind}`,
              backend: options.backend,
              durationMs,
              clients,
              openStore,
              nemesis: { cluster: c, kind, faultMs: 3_000, healMs: 2_000 },
              checkTimeLimitMs: 30_000,
            }),
          );
          const files = writeRun(run, `${runDir}/${slug}${kind}`);
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
          const evidence = options.evidence;
          if (evidence)
            expect(sent.filter((r) => evidence.test(r)).length, String(evidence)).toBeGreaterThan(0);
        },
        durationMs + 90_000,
      );
    }
  });
}
