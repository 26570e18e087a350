import type { Adapter, ResolvedStoreConfig, Store } from '@strongbox/core';
import { StoreError, storeFromDriver, timedContext } from '@strongbox/core';
import { Connection, create, openAcl } from './connection.js';
import { ZooKeeperDriver, zookeeperCapabilities } from './driver.js';
import { castZkError } from './errors.js';
import { Layout } from './layout.js';

export { zookeeperCapabilities } from './driver.js';
export { decodeKey, encodeKey } from './layout.js';

/** The endpoint used when the config names none. */
export const defaultEndpoint = '127.0.0.1:2181';

/** `host:port` from an endpoint that may be written as a URL (`zk://host:port`, `http://host:port`). */
function hostPort(endpoint: string): string {
  return endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
}

/**
 * Opens a ZooKeeper-backed store: connects, creates the root and data znodes when missing (with
 * the digest ACL when `zookeeper.auth` is set), and returns the store.
 * @example
 * const store = await openZooKeeperStore(parseStoreConfig({ backend: 'zookeeper', endpoints: ['127.0.0.1:2181'] }));
 */
export async function openZooKeeperStore(config: ResolvedStoreConfig): Promise<Store> {
  const zkConfig = config.zookeeper ?? { root: '/strongbox', sessionTimeoutMs: 10_000 };
  const layout = new Layout(zkConfig.root);
  const conn = new Connection(
    {
      endpoints: (config.endpoints ?? [defaultEndpoint]).map(hostPort),
      sessionTimeoutMs: zkConfig.sessionTimeoutMs,
      auth: zkConfig.auth,
    },
    layout.root,
  );
  const { ctx, done } = timedContext(config.connectTimeoutMs, 'zookeeper');
  try {
    await conn.waitConnected(config.connectTimeoutMs);
    // Parents of the root stay open like any ZooKeeper path; the root and its data znode get the ACL.
    const parts = layout.root.split('/').filter(Boolean);
    const paths = parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
    for (const path of [...paths, layout.data]) {
      const exists = await conn.read(
        ctx,
        (c) =>
          new Promise<boolean>((resolve, reject) => {
            c.exists(path, (err, stat) => (err ? reject(err) : resolve(stat !== null && stat !== undefined)));
          }),
      );
      if (exists) continue;
      const acl = path === layout.root || path === layout.data ? conn.acl : openAcl();
      // Another replica may create it at the same time: NODE_EXISTS is a result, not an error.
      await conn.write(ctx, (c) => create(c, path, Buffer.alloc(0), acl));
    }
  } catch (err) {
    conn.close();
    if (err instanceof StoreError) throw err;
    throw castZkError(err, { write: false, sent: true });
  } finally {
    done();
  }
  return storeFromDriver(new ZooKeeperDriver(conn, layout), { requestTimeoutMs: config.requestTimeoutMs });
}

/** The ZooKeeper adapter that `createStore({ backend: 'zookeeper' })` loads. */
export const adapter: Adapter = {
  backend: 'zookeeper',
  capabilities: zookeeperCapabilities,
  open: openZooKeeperStore,
};
