import { setTimeout as delay } from 'node:timers/promises';
import {
  type Adapter,
  type ResolvedStoreConfig,
  type Store,
  StoreError,
  storeFromDriver,
  timedContext,
} from '@strongbox/core';
import { DEFAULT_ENDPOINT, EtcdConnection } from './client.js';
import { EtcdDriver, etcdCapabilities } from './driver.js';
import { openEmbedded } from './embedded.js';

/** Pause between two rounds of connection attempts while waiting for etcd to come up. */
const CONNECT_RETRY_MS = 100;

/**
 * Waits until some endpoint answers (and accepts the credentials), like etcd's Go client with a
 * DialTimeout: a replica configured with a wrong address or password fails at start, not on its
 * first payment, while one started together with its etcd waits for it. Maintenance.Status needs
 * no key permission, so a user restricted to a prefix passes.
 */
async function awaitConnection(
  conn: EtcdConnection,
  endpoints: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const { ctx, done } = timedContext(timeoutMs, 'etcd');
  try {
    for (;;) {
      try {
        await conn.run('read', ctx, (o) => conn.client.maintenance.status(o));
        return;
      } catch (err) {
        const cause = err instanceof StoreError ? err : undefined;
        if (cause?.code === 'PERMISSION_DENIED') throw cause;
        if (Date.now() + CONNECT_RETRY_MS >= ctx.deadline) {
          const why = cause?.message ?? String(err);
          throw new StoreError(
            'UNAVAILABLE',
            `could not reach etcd at ${endpoints.join(', ')} within ${timeoutMs} ms: ${why}`,
            { backend: 'etcd', cause: err },
          );
        }
        await delay(CONNECT_RETRY_MS);
      }
    }
  } finally {
    done();
  }
}

/**
 * Connects to etcd at `endpoints` and returns the store. `onClose` runs after the connection is
 * closed (embedded mode stops its servers there).
 */
export async function connect(
  config: ResolvedStoreConfig,
  endpoints: readonly string[],
  onClose?: () => Promise<void>,
): Promise<Store> {
  const conn = new EtcdConnection(config, endpoints);
  try {
    await awaitConnection(conn, endpoints, config.connectTimeoutMs);
  } catch (err) {
    conn.close();
    throw err;
  }
  return storeFromDriver(new EtcdDriver(conn, onClose), { requestTimeoutMs: config.requestTimeoutMs });
}

/**
 * The etcd adapter: `createStore({ backend: 'etcd', … })` loads it. With `embedded` set it starts
 * etcd itself (through @strongbox/cluster) and stops it again when the store is closed.
 */
export const adapter: Adapter = {
  backend: 'etcd',
  capabilities: etcdCapabilities,
  async open(config: ResolvedStoreConfig): Promise<Store> {
    if (config.embedded !== undefined) return openEmbedded(config, config.embedded, connect);
    return connect(config, config.endpoints ?? [DEFAULT_ENDPOINT]);
  },
};
