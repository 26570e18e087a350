import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ResolvedStoreConfig, type Store, StoreError } from '@strongbox/core';

/** The embedded settings after the config schema applied its defaults. */
export type EmbeddedSettings = NonNullable<ResolvedStoreConfig['embedded']>;

/** The part of @strongbox/cluster's embedded API this adapter uses. */
interface EmbeddedEtcd {
  readonly endpoints: readonly string[];
  stop(options?: { graceful?: boolean }): Promise<void>;
}
interface ClusterModule {
  startEmbeddedEtcd?: (options: Record<string, unknown>) => Promise<EmbeddedEtcd>;
  ClusterError?: new (...args: never[]) => Error & { code: string };
}

type Connect = (
  config: ResolvedStoreConfig,
  endpoints: readonly string[],
  onClose?: () => Promise<void>,
) => Promise<Store>;

const backend = 'etcd';

/**
 * Loads @strongbox/cluster only now: a store that connects to an existing etcd never pays for the
 * server-running code (nor needs the package installed).
 */
async function loadCluster(): Promise<Required<ClusterModule>> {
  let mod: ClusterModule;
  try {
    mod = (await import('@strongbox/cluster')) as ClusterModule;
  } catch (err) {
    throw new StoreError(
      'ADAPTER_NOT_INSTALLED',
      'embedded etcd needs the package @strongbox/cluster: run `npm install @strongbox/cluster`',
      { backend, cause: err },
    );
  }
  if (typeof mod.startEmbeddedEtcd !== 'function' || mod.ClusterError === undefined) {
    throw new StoreError('UNSUPPORTED', 'this version of @strongbox/cluster cannot start embedded etcd', {
      backend,
    });
  }
  return mod as Required<ClusterModule>;
}

/**
 * The cluster package's options for the store's `embedded` section. The store's schema promises a
 * temporary data dir when none is given (the cluster package's default is a fixed relative one),
 * and takes etcd's panic/fatal log levels, which the cluster package folds into `error`.
 */
function startOptions(s: EmbeddedSettings, dataDir: string): Record<string, unknown> {
  return {
    name: s.name,
    host: s.host,
    ...(s.clientPort === undefined ? {} : { clientPort: s.clientPort }),
    ...(s.peerPort === undefined ? {} : { peerPort: s.peerPort }),
    ...(s.initialCluster === undefined ? {} : { initialCluster: s.initialCluster }),
    clusterToken: s.clusterToken,
    dataDir,
    startupTimeoutMs: s.startupTimeoutMs,
    logLevel: s.logLevel === 'panic' || s.logLevel === 'fatal' ? 'error' : s.logLevel,
    nodes: s.nodes,
  };
}

/**
 * Starts etcd as configured in `embedded`, connects to it, and stops it again when the store is
 * closed (or when connecting fails). A data dir that already holds a member rejoins with its data;
 * a temporary one (no `dataDir` given) is removed on close.
 */
export async function openEmbedded(
  config: ResolvedStoreConfig,
  settings: EmbeddedSettings,
  connect: Connect,
): Promise<Store> {
  const { startEmbeddedEtcd, ClusterError } = await loadCluster();
  const temporary =
    settings.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'strongbox-etcd-')) : undefined;
  const removeTemporary = () => {
    if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
  };
  let etcd: EmbeddedEtcd;
  try {
    etcd = await startEmbeddedEtcd(startOptions(settings, settings.dataDir ?? (temporary as string)));
  } catch (err) {
    removeTemporary();
    if (err instanceof ClusterError && err.code === 'INVALID_OPTIONS') {
      throw new StoreError('INVALID_CONFIG', `invalid embedded config: ${err.message}`, {
        backend,
        cause: err,
        details: [{ path: 'embedded', message: err.message }],
      });
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new StoreError('UNAVAILABLE', `embedded etcd did not start: ${message}`, { backend, cause: err });
  }
  // A graceful stop lets etcd flush and release its data dir's lock before a later restart.
  const stop = async () => {
    try {
      await etcd.stop({ graceful: true });
    } finally {
      removeTemporary();
    }
  };
  try {
    return await connect(config, etcd.endpoints, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}
