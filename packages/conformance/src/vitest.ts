import type { Store } from '@strongbox/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { caseContext } from './contract/context.js';
import { type ConformanceOptions, contractCases, openReplicas } from './contract/suite.js';

/**
 * Registers the contract suite with vitest. Call it at the top level of a test file:
 * @example
 * describeConformance({ name: 'etcd 3 nodes', createStore: () => createStore({ endpoints: cluster.endpoints }) });
 */ export function describeConformance(options: ConformanceOptions): void {
  describe(`contract: ${options.name}`, () => {
    let stores: Store[] = [];
    beforeAll(async () => {
      stores = await openReplicas(options);
    });
    afterAll(async () => {
      await Promise.allSettled(stores.map((s) => s.close()));
    });
    const groups = [...new Set(contractCases.map((c) => c.group))];
    for (const group of groups) {
      describe(group, () => {
        for (const c of contractCases.filter((x) => x.group === group)) {
          it(
            c.name,
            () => c.run(caseContext(stores, options.createStore)),
            options.timeoutMs ?? c.timeoutMs ?? 30_000,
          );
        }
      });
    }
  });
}
