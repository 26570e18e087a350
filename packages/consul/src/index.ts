import {
  type Adapter,
  consulConfig,
  contractLimits,
  type ResolvedStoreConfig,
  type Store,
  type StoreCapabilities,
  storeFromDriver,
} from '@strongbox/core';
import { ConsulHttp } from './client.js';
import { ConsulDriver } from './driver.js';

/** What the Consul store provides: linearizable (`consistent`) reads, atomic transactions, the contract's limits. */
export const consulCapabilities: StoreCapabilities = {
  readConsistency: 'linearizable',
  transactions: true,
  watch: false,
  leases: false,
  ...contractLimits,
};

/**
 * Opens a Consul store from a parsed config, once some endpoint answers (within
 * `connectTimeoutMs`, else UNAVAILABLE). The token is not checked here: Consul's status endpoint
 * needs none, and a refused token shows as PERMISSION_DENIED on the first call.
 * @example
 * const store = await openConsulStore(parseStoreConfig({ backend: 'consul', endpoints: ['127.0.0.1:8500'] }));
 */
export async function openConsulStore(config: ResolvedStoreConfig): Promise<Store> {
  const http = new ConsulHttp(config);
  try {
    await http.probe(config.connectTimeoutMs);
  } catch (err) {
    http.close();
    throw err;
  }
  const { readsInFlight, writesInFlight } = config.consul ?? consulConfig.parse({});
  return storeFromDriver(new ConsulDriver(consulCapabilities, http, { readsInFlight, writesInFlight }), {
    requestTimeoutMs: config.requestTimeoutMs,
  });
}

/**
 * The Consul adapter, loaded by `createStore({ backend: 'consul', … })`.
 * @example
 * const store = await createStore({ backend: 'consul', endpoints: ['127.0.0.1:8500'], consul: { token } });
 */
export const adapter: Adapter = {
  backend: 'consul',
  capabilities: consulCapabilities,
  open: openConsulStore,
};

export { MAX_SOCKETS_PER_ENDPOINT } from './client.js';
export { MAX_TXN_BODY_BYTES } from './codec.js';
export { MAX_INDEX_RACES } from './driver.js';
export { MAX_GROUP_OPS } from './groups.js';
