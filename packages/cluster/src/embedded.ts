/**
 * Embedded etcd: a replica starts its own etcd member (or a small local cluster) as child
 * processes next to the service, with the settings snet-daemon's embedded server has
 * (id/name, host, client and peer port, initial cluster, cluster token, data dir, startup
 * timeout, log level), defined once as the `embedded` section of `@strongbox/core`'s config.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { embeddedConfig } from '@strongbox/core';
import type { z } from 'zod';
import type { LaunchContext, NodeLayout } from './backends/driver.js';
import { type Cluster, launch, parseClusterOptions } from './cluster.js';
import { ClusterError } from './errors.js';
import { type PortLease, reserveExactPorts, reservePorts } from './ports.js';
import { findServer } from './provision/servers.js';
import { temporaryDataDir } from './tempdirs.js';

/**
 * Embedded etcd settings (snet-daemon parity); the schema is the documentation. Field names,
 * defaults and strictness match `@strongbox/core`'s `embedded` config, so core can use it as is.
 */
/**
 * Embedded etcd settings (snet-daemon parity): the `embedded` section of the store config in
 * `@strongbox/core`, the one place they are defined.
 */
export const embeddedEtcdOptions = embeddedConfig;

/** What callers pass to `startEmbeddedEtcd`. */
export type EmbeddedEtcdOptions = z.input<typeof embeddedEtcdOptions> & {
  onProgress?: (message: string) => void;
};

/**
 * Starts embedded etcd and resolves once it has a leader and a quorum write succeeded. Stop it
 * with `stop({ graceful: true })` when the store closes (a temporary data dir is removed then).
 * A data dir from an earlier run is restarted with its data and the ports recorded in it
 * (unless ports are set explicitly).
 *
 * @example
 * const etcd = await startEmbeddedEtcd({ dataDir: '/var/lib/replica/etcd' });
 * // connect a client to etcd.endpoints …
 * await etcd.stop({ graceful: true });
 */
export async function startEmbeddedEtcd(options: EmbeddedEtcdOptions = {}): Promise<Cluster> {
  const { onProgress, ...rest } = options;
  const parsed = embeddedEtcdOptions.safeParse(rest);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ClusterError('INVALID_OPTIONS', `invalid embedded etcd options: ${issues}`, {
      backend: 'etcd',
    });
  }
  const o = parsed.data;
  if (o.initialCluster && o.nodes > 1) {
    throw new ClusterError(
      'INVALID_OPTIONS',
      `initialCluster names remote members, so nodes must be 1, got ${o.nodes}`,
      {
        backend: 'etcd',
      },
    );
  }
  const progress = onProgress ?? (() => {});
  const temporary = o.dataDir === undefined;
  const dataDir =
    o.dataDir === undefined ? temporaryDataDir('strongbox-embedded-', true) : resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const names = o.nodes === 1 ? [o.name] : Array.from({ length: o.nodes }, (_, i) => `${o.name}-${i + 1}`);
  if (o.initialCluster && !o.initialCluster.split(',').some((m) => m.startsWith(`${o.name}=`))) {
    throw new ClusterError(
      'INVALID_OPTIONS',
      `initialCluster must name this member '${o.name}', got ${o.initialCluster}`,
      {
        backend: 'etcd',
      },
    );
  }
  const { ports, lease } = await embeddedPorts(dataDir, names, o.clientPort, o.peerPort);
  const nodes: NodeLayout[] = names.map((name, i) => {
    const dir = join(dataDir, name);
    mkdirSync(dir, { recursive: true });
    return { index: i, name, host: o.host, dir, ports: ports[i] as number[] };
  });
  const fresh = !nodes.some((n) => existsSync(join(n.dir, 'data', 'member')));
  progress(fresh ? `bootstrapping etcd in ${dataDir}` : `restarting etcd on its data in ${dataDir}`);
  const install = await findServer('etcd', { log: progress });
  const clusterOpts = parseClusterOptions({
    backend: 'etcd',
    nodes: o.nodes,
    dataDir,
    startupTimeoutMs: o.startupTimeoutMs,
  });
  const ctx: LaunchContext = {
    options: clusterOpts,
    install,
    nodes,
    token: o.clusterToken,
    etcdLogLevel: o.logLevel,
    ...(o.initialCluster ? { initialCluster: o.initialCluster } : {}),
  };
  return launch(ctx, lease, dataDir, temporary, fresh, progress);
}

/** Ports per member: explicit ones, else the ones recorded in the data dir, else fresh free ones. */
async function embeddedPorts(
  dataDir: string,
  names: string[],
  clientPort: number | undefined,
  peerPort: number | undefined,
): Promise<{ ports: number[][]; lease: PortLease }> {
  const file = join(dataDir, 'embedded.json');
  if (clientPort !== undefined && peerPort !== undefined) {
    const ports = names.map((_, i) => [clientPort + 2 * i, peerPort + 2 * i]);
    const flat = ports.flat();
    if (new Set(flat).size !== flat.length) {
      throw new ClusterError(
        'INVALID_OPTIONS',
        `clientPort ${clientPort} and peerPort ${peerPort} overlap across ${names.length} members`,
        {
          backend: 'etcd',
        },
      );
    }
    return { ports, lease: await reserveExactPorts(flat) };
  }
  if (clientPort !== undefined || peerPort !== undefined) {
    throw new ClusterError(
      'INVALID_OPTIONS',
      'set both clientPort and peerPort, or neither (free ones are picked)',
      {
        backend: 'etcd',
      },
    );
  }
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { members: Record<string, number[]> };
    const ports = names.map((n) => saved.members[n]);
    if (ports.every((p) => p !== undefined)) {
      return { ports: ports as number[][], lease: await reserveExactPorts((ports as number[][]).flat()) };
    }
  }
  const lease = await reservePorts(names.length * 2);
  const ports = names.map((_, i) => lease.ports.slice(2 * i, 2 * i + 2));
  const members = Object.fromEntries(names.map((n, i) => [n, ports[i]]));
  writeFileSync(file, `${JSON.stringify({ members }, null, 2)}\n`);
  return { ports, lease };
}
