import { type ResolvedStoreConfig, type Store, StoreError } from '@strongbox/core';

/** The embedded settings after the config schema applied its defaults. */
export type EmbeddedSettings = NonNullable<ResolvedStoreConfig['embedded']>;

/** What @strongbox/cluster's embedded API hands back: where to connect, and how to stop. */
interface EmbeddedEtcd {
  readonly endpoints: readonly string[];
  stop(): Promise<void>;
}

type StartEmbedded = (settings: EmbeddedSettings) => Promise<EmbeddedEtcd>;

type Connect = (
  config: ResolvedStoreConfig,
  endpoints: readonly string[],
  onClose?: () => Promise<void>,
) => Promise<Store>;

/**
 * Loads @strongbox/cluster only now: a store that connects to an existing etcd never pays for the
 * server-running code (nor needs the package installed).
 */
async function loadStarter(): Promise<StartEmbedded> {
  let mod: { startEmbeddedEtcd?: StartEmbedded };
  try {
    mod = (await import('@strongbox/cluster')) as { startEmbeddedEtcd?: StartEmbedded };
  } catch (err) {
    throw new StoreError(
      'ADAPTER_NOT_INSTALLED',
      'embedded etcd needs the package @strongbox/cluster: run `npm install @strongbox/cluster`',
      { backend: 'etcd', cause: err },
    );
  }
  if (typeof mod.startEmbeddedEtcd !== 'function') {
    throw new StoreError('UNSUPPORTED', 'this version of @strongbox/cluster cannot start embedded etcd', {
      backend: 'etcd',
    });
  }
  return mod.startEmbeddedEtcd;
}

/**
 * Starts etcd as configured in `embedded`, connects to it, and stops it again when the store is
 * closed (or when connecting fails). A data dir that already holds a member rejoins with its data.
 */
export async function openEmbedded(
  config: ResolvedStoreConfig,
  settings: EmbeddedSettings,
  connect: Connect,
): Promise<Store> {
  const start = await loadStarter();
  const etcd = await start(settings);
  try {
    return await connect(config, etcd.endpoints, () => etcd.stop());
  } catch (err) {
    await etcd.stop();
    throw err;
  }
}
