import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Cluster, type ClusterOptions, startCluster } from '@strongbox/cluster';
import { createStore, type ErrorCode, isStoreError, type Store, type StoreConfig } from '@strongbox/core';
import { afterAll, beforeAll } from 'vitest';

export { countRequests } from '../../../test/support/requests.js';

/**
 * One real Consul cluster (3 servers unless `options` say otherwise) for the tests of a file: started
 * before them, stopped after them, with every store a test handed to `keep` closed first.
 */
export function fileCluster(options: Partial<ClusterOptions> = {}): {
  readonly cluster: Cluster;
  keep(store: Store): Store;
} {
  let cluster: Cluster | undefined;
  const stores: Store[] = [];
  beforeAll(async () => {
    cluster = await startCluster({ backend: 'consul', nodes: 3, ...options });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await cluster?.stop();
  });
  return {
    get cluster(): Cluster {
      if (cluster === undefined) throw new Error('the cluster starts in beforeAll');
      return cluster;
    },
    keep(store: Store): Store {
      stores.push(store);
      return store;
    },
  };
}

/** A fresh key prefix per test, so tests never share keys. */
export function prefix(): string {
  return `t/${randomBytes(6).toString('hex')}/`;
}

/** Opens a store on the given endpoints; the caller closes it. */
export function open(
  endpoints: readonly string[],
  extra: Omit<StoreConfig, 'backend' | 'endpoints'> = {},
): Promise<Store> {
  return createStore({ backend: 'consul', endpoints: [...endpoints], ...extra });
}

/** Polls `check` until it returns true or the deadline passes (no sleeps as synchronisation). */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A fresh data dir for a test cluster on tmpfs when the machine has one: Raft's fsyncs then cost
 * nothing, which keeps write-heavy cases fast on a shared 2-core machine. Durability across
 * crashes is not what these tests check (a killed node restarts with its data either way).
 */
export function clusterDataDir(): string | undefined {
  return existsSync('/dev/shm') ? mkdtempSync(join('/dev/shm', 'strongbox-consul-')) : undefined;
}

/** Removes a dir made by {@link clusterDataDir}. */
export function removeDataDir(dir: string | undefined): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

/** The error code a call ends with, or 'ok': lets a test compare outcomes in one assertion. */
export async function codeOf(p: Promise<unknown>): Promise<ErrorCode | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (isStoreError(err)) return err.code;
    throw err;
  }
}
