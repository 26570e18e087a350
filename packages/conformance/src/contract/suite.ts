import type { Store } from '@strongbox/core';
import { basicCases } from './basics.js';
import { concurrencyCases } from './concurrency.js';
import { conditionalCases } from './conditional.js';
import { type CaseContext, type ContractCase, caseContext } from './context.js';
import { limitCases } from './limits.js';
import { transactionCases } from './transactions.js';
import { updateCases } from './update.js';

/**
 * Every rule of the contract, as a case. There is no way to skip one: a store that declares fewer
 * capabilities still runs them all, and fails where it falls short.
 */
export const contractCases: readonly ContractCase[] = [
  ...basicCases,
  ...conditionalCases,
  ...transactionCases,
  ...updateCases,
  ...limitCases,
  ...concurrencyCases,
];

/** Options of {@link describeConformance} and {@link runContractCases}. */
export interface ConformanceOptions {
  /** The name of the describe block, e.g. `etcd 3 nodes`. */
  name: string;
  /** Opens a new handle (its own connection: another replica) to the same backend. */
  createStore: () => Promise<Store>;
  /** How many handles the cases share, as replicas of one service. @default 3 */
  replicas?: number;
  /** Time limit of every case. @default each case's own: 30 s, longer for the concurrency cases */
  timeoutMs?: number;
}

/** Opens the replica handles the cases share; closes those already open if one fails. */
export async function openReplicas(options: ConformanceOptions): Promise<Store[]> {
  const stores: Store[] = [];
  try {
    for (let i = 0; i < (options.replicas ?? 3); i++) stores.push(await options.createStore());
  } catch (err) {
    await Promise.allSettled(stores.map((s) => s.close()));
    throw err;
  }
  return stores;
}

/** The outcome of one case run by {@link runContractCases}. */
export interface CaseOutcome {
  readonly group: string;
  readonly name: string;
  readonly passed: boolean;
  readonly error?: unknown;
  readonly elapsedMs: number;
}

/**
 * Runs the contract cases outside vitest (the `strongbox check` command, and the suite's own
 * tests against broken stores), one after another, and reports each outcome.
 */
export async function runContractCases(
  options: ConformanceOptions & { filter?: (c: ContractCase) => boolean; onCase?: (o: CaseOutcome) => void },
): Promise<CaseOutcome[]> {
  const stores = await openReplicas(options);
  const outcomes: CaseOutcome[] = [];
  try {
    for (const c of contractCases.filter(options.filter ?? (() => true))) {
      const started = performance.now();
      let outcome: CaseOutcome;
      try {
        const ctx: CaseContext = caseContext(stores, options.createStore);
        await withTimeout(c.run(ctx), options.timeoutMs ?? c.timeoutMs ?? 30_000, c.name);
        outcome = { group: c.group, name: c.name, passed: true, elapsedMs: performance.now() - started };
      } catch (error) {
        outcome = {
          group: c.group,
          name: c.name,
          passed: false,
          error,
          elapsedMs: performance.now() - started,
        };
      }
      outcomes.push(outcome);
      options.onCase?.(outcome);
    }
  } finally {
    await Promise.allSettled(stores.map((s) => s.close()));
  }
  return outcomes;
}

function withTimeout<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`case "${name}" took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
