import { missingCapabilities, type StoreCapabilities } from './capabilities.js';
import { type BackendName, parseStoreConfig, type ResolvedStoreConfig, type StoreConfig } from './config.js';
import { StoreError } from './errors.js';
import { createMemoryStore, memoryCapabilities } from './memory.js';
import { prefixed } from './prefixed.js';
import type { Store } from './types.js';

/**
 * What an adapter package exports as `adapter`: its static capabilities (checked against the
 * config's `require` before anything connects) and how to open a store from a parsed config.
 */
export interface Adapter {
  readonly backend: BackendName;
  readonly capabilities: StoreCapabilities;
  open(config: ResolvedStoreConfig): Promise<Store>;
}

/** The npm package that holds each backend's adapter. */
export const adapterPackages: Readonly<Record<Exclude<BackendName, 'memory'>, string>> = {
  etcd: '@strongbox/etcd',
  consul: '@strongbox/consul',
  zookeeper: '@strongbox/zookeeper',
};

const memoryAdapter: Adapter = {
  backend: 'memory',
  capabilities: memoryCapabilities,
  open: async (config) => createMemoryStore({ requestTimeoutMs: config.requestTimeoutMs }),
};

/** Loads the adapter of a backend, or says which package to install. */
export async function loadAdapter(backend: BackendName): Promise<Adapter> {
  if (backend === 'memory') return memoryAdapter;
  const pkg = adapterPackages[backend];
  let mod: { adapter?: Adapter };
  try {
    mod = (await import(pkg)) as { adapter?: Adapter };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(err).includes(pkg)) {
      throw new StoreError(
        'ADAPTER_NOT_INSTALLED',
        `backend '${backend}' needs the package ${pkg}: run \`npm install ${pkg}\``,
        { backend, cause: err },
      );
    }
    throw err;
  }
  if (mod.adapter?.backend !== backend || typeof mod.adapter.open !== 'function') {
    throw new StoreError('INTERNAL', `${pkg} does not export an adapter for backend '${backend}'`, {
      backend,
    });
  }
  return mod.adapter;
}

/**
 * Opens a store for the configured backend (default etcd). Validates the whole config first
 * (INVALID_CONFIG lists every bad field), refuses a backend lacking a required capability
 * (UNSUPPORTED, naming it), then loads the adapter package and connects.
 * @example
 * const store = await createStore({ backend: 'etcd', endpoints: ['127.0.0.1:2379'], namespace: 'svc/' });
 * const won = await store.putIfAbsent('payment/42', 'replica-a');
 */
export async function createStore(config: StoreConfig = {}): Promise<Store> {
  const resolved = parseStoreConfig(config);
  const adapter = await loadAdapter(resolved.backend);
  const missing = missingCapabilities(adapter.capabilities, resolved.require);
  if (missing.length > 0) {
    throw new StoreError(
      'UNSUPPORTED',
      `the ${resolved.backend} backend does not provide ${missing.join(', ')}, which the config requires`,
      { backend: resolved.backend },
    );
  }
  const store = await adapter.open(resolved);
  return resolved.namespace === '' ? store : prefixed(store, resolved.namespace);
}
