import { createRequire } from 'node:module';
import { createStore } from '@strongbox/core';
import { consulCounter, etcdCounter, type RoundTripCounter, zookeeperCounter } from './counters.js';
import { consulRawTarget } from './raw/consul.js';
import { etcdRawTarget } from './raw/etcd.js';
import { zookeeperRawTarget } from './raw/zookeeper.js';
import { storeTarget, type Target, type TargetKind } from './target.js';

/** A backend the harness can measure against a raw client. */
export type BenchBackend = 'etcd' | 'consul' | 'zookeeper';
/** Every backend, in report order. */
export const benchBackends: readonly BenchBackend[] = ['etcd', 'consul', 'zookeeper'];

/** The npm client the adapter uses, which is also the raw baseline. */
export const rawClientPackage: Readonly<Record<BenchBackend, string>> = {
  etcd: 'etcd3',
  consul: 'consul',
  zookeeper: 'node-zookeeper-client',
};

/** An installed package's version, read from its package.json. */
export function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Both sides of a comparison on one cluster, and the counter of its requests. */
export interface OpenedTargets {
  /** The endpoints both sides use. */
  readonly endpoints: readonly string[];
  readonly targets: Readonly<Record<TargetKind, Target>>;
  readonly counter: RoundTripCounter;
  close(): Promise<void>;
}

/**
 * Opens strongbox (through createStore) and the raw client on `all` endpoints. For ZooKeeper
 * both get only the first: its client pins one server at random, and a follower answers
 * differently from the leader, so A and B must talk to the same server.
 */
export async function openTargets(backend: BenchBackend, all: readonly string[]): Promise<OpenedTargets> {
  const endpoints = backend === 'zookeeper' ? all.slice(0, 1) : all;
  const counter =
    backend === 'etcd'
      ? etcdCounter(endpoints)
      : backend === 'consul'
        ? consulCounter(endpoints)
        : zookeeperCounter();
  const store = await createStore({ backend, endpoints: [...endpoints], requestTimeoutMs: 10_000 });
  let raw: Target;
  try {
    raw =
      backend === 'etcd'
        ? etcdRawTarget(endpoints)
        : backend === 'consul'
          ? consulRawTarget(endpoints)
          : await zookeeperRawTarget(endpoints, '/bench-raw');
  } catch (err) {
    await store.close();
    throw err;
  }
  const targets = { strongbox: storeTarget(store), raw };
  return {
    endpoints,
    targets,
    counter,
    async close() {
      counter.close();
      await Promise.allSettled([targets.strongbox.close(), raw.close()]);
    },
  };
}
