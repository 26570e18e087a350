/**
 * Embedded etcd: a replica starts its own etcd member (or a small local cluster) as child
 * processes next to the service, with the settings snet-daemon's embedded server has
 * (id/name, host, client and peer port, initial cluster, cluster token, data dir, startup
 * timeout, log level). `@strongbox/core`'s config reuses `embeddedEtcdOptions`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { LaunchContext, NodeLayout } from './backends/driver.js';
import { type Cluster, launch, parseClusterOptions } from './cluster.js';
import { ClusterError } from './errors.js';
import { logLevel } from './options.js';
import { type PortLease, reserveExactPorts, reservePorts } from './ports.js';
import { findServer } from './provision/servers.js';

const port = z.number().int().min(0).max(65_535);

/** Embedded etcd settings (snet-daemon parity); the schema is the documentation. */
export const embeddedEtcdOptions = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default('strongbox-1')
      .describe("Member name (snet-daemon's `id`); with nodes > 1 the members are `<name>-1`, `<name>-2`, …"),
    host: z.string().min(1).default('127.0.0.1').describe('Address the member listens on and advertises.'),
    clientPort: port
      .default(0)
      .describe('Client port; 0 picks a free one. With nodes > 1 member i uses clientPort + 2(i-1).'),
    peerPort: port
      .default(0)
      .describe('Peer port; 0 picks a free one. With nodes > 1 member i uses peerPort + 2(i-1).'),
    initialCluster: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+=https?:\/\/[^,]+(,[A-Za-z0-9_.-]+=https?:\/\/[^,]+)*$/)
      .optional()
      .describe(
        'etcd --initial-cluster, e.g. `a=http://10.0.0.1:2380,b=http://10.0.0.2:2380`, for one member of a cluster ' +
          'whose other members run elsewhere (one per replica); default: the local members only.',
      ),
    clusterToken: z
      .string()
      .min(1)
      .default('strongbox-embedded')
      .describe('etcd --initial-cluster-token: keeps separate clusters from joining by mistake.'),
    dataDir: z
      .string()
      .min(1)
      .default('strongbox-etcd-data')
      .describe(
        'Directory for member data and logs (`<dataDir>/<member>/data`, `<dataDir>/<member>/server.log`), ' +
          'relative to the working directory. Existing data is rejoined, never bootstrapped over.',
      ),
    startupTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(60_000)
      .describe('How long to wait for a leader and a quorum write before giving up with the member logs.'),
    logLevel: logLevel.default('info'),
    nodes: z
      .number()
      .int()
      .min(1)
      .max(7)
      .default(1)
      .describe('Local members to run (1, or 3/5 for a local quorum).'),
  })
  .describe('Run etcd as child processes of this replica.');

/** What callers pass to `startEmbeddedEtcd`. */
export type EmbeddedEtcdOptions = z.input<typeof embeddedEtcdOptions> & {
  onProgress?: (message: string) => void;
};

/**
 * Starts embedded etcd and resolves once it has a leader and a quorum write succeeded. Stop it
 * with `stop({ graceful: true })` when the store closes. A data dir from an earlier run is
 * restarted with its data and the ports recorded in it (unless ports are set explicitly).
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
  const dataDir = resolve(o.dataDir);
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
    logLevel: o.logLevel,
  });
  const ctx: LaunchContext = {
    options: clusterOpts,
    install,
    nodes,
    token: o.clusterToken,
    ...(o.initialCluster ? { initialCluster: o.initialCluster } : {}),
  };
  return launch(ctx, lease, dataDir, false, fresh, progress);
}

/** Ports per member: explicit ones, else the ones recorded in the data dir, else fresh free ones. */
async function embeddedPorts(
  dataDir: string,
  names: string[],
  clientPort: number,
  peerPort: number,
): Promise<{ ports: number[][]; lease: PortLease }> {
  const file = join(dataDir, 'embedded.json');
  if (clientPort !== 0 && peerPort !== 0) {
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
  if (clientPort !== 0 || peerPort !== 0) {
    throw new ClusterError(
      'INVALID_OPTIONS',
      'set both clientPort and peerPort, or neither (0 picks free ones)',
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
