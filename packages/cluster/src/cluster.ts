import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consulDriver } from './backends/consul.js';
import type { Driver, LaunchContext, NodeLayout } from './backends/driver.js';
import { etcdDriver } from './backends/etcd.js';
import { zookeeperDriver } from './backends/zookeeper.js';
import { ClusterError } from './errors.js';
import { ClusterNode } from './node.js';
import { type ClusterOptions, clusterOptions, type ParsedClusterOptions } from './options.js';
import { until } from './poll.js';
import { type PortLease, reserveExactPorts, reservePorts } from './ports.js';
import { type Backend, findServer } from './provision/servers.js';
import { removeTemporaryDataDir, temporaryDataDir } from './tempdirs.js';

const DRIVERS: Record<Backend, Driver> = {
  etcd: etcdDriver,
  consul: consulDriver,
  zookeeper: zookeeperDriver,
};

/** A running cluster of real servers on loopback. */
export class Cluster {
  readonly backend: Backend;
  readonly nodes: readonly ClusterNode[];
  /** Client endpoints, `host:port`, one per node in node order. */
  readonly endpoints: readonly string[];
  /** Where node data and logs live. */
  readonly dataDir: string;
  private stopping: Promise<void> | undefined;

  /** @internal */
  constructor(
    private readonly driver: Driver,
    private readonly ctx: LaunchContext,
    nodes: ClusterNode[],
    private readonly lease: PortLease,
    private readonly removeDataDir: boolean,
    dataDir: string,
  ) {
    this.backend = ctx.install.backend;
    this.nodes = nodes;
    this.endpoints = nodes.map((n) => n.clientEndpoint);
    this.dataDir = dataDir;
  }

  /** The node that leads now, asking every running node; `undefined` when none does. */
  async leader(): Promise<ClusterNode | undefined> {
    const running = this.nodes.filter((n) => n.state === 'running');
    const claims = await Promise.all(running.map((n) => n.isLeader()));
    return running.find((_, i) => claims[i]);
  }

  /** Waits until some node leads and returns it; throws STARTUP_TIMEOUT with the logs otherwise. */
  async waitForLeader(timeoutMs = 30_000): Promise<ClusterNode> {
    let found: ClusterNode | undefined;
    await until(
      `a ${this.backend} leader`,
      timeoutMs,
      async () => {
        found = await this.leader();
        return found !== undefined;
      },
      { onTimeout: () => `\n${this.logTail(20)}`, backend: this.backend },
    );
    return found as ClusterNode;
  }

  /** One write that needs a quorum, through any running node; throws when it fails. */
  async write(): Promise<void> {
    const running = this.nodes.filter((n) => n.state === 'running').map((n) => n.layout);
    await this.driver.write(this.ctx, running);
  }

  /** Waits until a leader exists and a quorum write succeeds (what "ready" means). */
  async waitReady(timeoutMs = 30_000, onProgress: (msg: string) => void = () => {}): Promise<void> {
    let leader: ClusterNode | undefined;
    await until(
      `a ${this.backend} leader and a quorum write`,
      timeoutMs,
      async () => {
        const crashed = this.nodes.find((n) => n.state === 'exited');
        if (crashed) throw crashed.exitError();
        const now = await this.leader();
        if (now && now !== leader) onProgress(`leader elected: ${now.name}`);
        leader = now;
        // A member of a cluster whose other members run elsewhere may follow a remote leader:
        // then the quorum write alone proves there is one.
        if (!now && this.ctx.initialCluster === undefined) return false;
        await this.write();
        if (this.driver.ready) {
          const running = this.nodes.filter((n) => n.state === 'running').map((n) => n.layout);
          await this.driver.ready(this.ctx, running);
        }
        return true;
      },
      { onTimeout: () => `\n${this.logTail(20)}`, backend: this.backend },
    );
    onProgress('quorum write succeeded');
  }

  /**
   * Ends every server this cluster started and frees its ports (and an automatic data dir).
   * By default with SIGKILL: all three servers sync what they acknowledged, and a graceful
   * whole-cluster shutdown only waits for leadership hand-overs that cannot happen (an etcd
   * leader stopping with its followers takes seconds). `graceful` sends SIGTERM first and
   * SIGKILLs after `graceMs`.
   */
  stop(options: { graceful?: boolean; graceMs?: number } = {}): Promise<void> {
    // Concurrent callers (a test's finally and an afterAll) share one shutdown.
    this.stopping ??= (async () => {
      await Promise.all(
        this.nodes.map((n) => (options.graceful ? n.stop(options.graceMs ?? 2_000) : n.kill())),
      );
      this.lease.release();
      if (this.removeDataDir) removeTemporaryDataDir(this.dataDir);
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The last `lines` lines of every node's log, headed by node name; for failing tests. */
  logTail(lines = 40): string {
    return this.nodes.map((n) => `--- ${n.name} (${n.state}) ${n.logFile}\n${n.logTail(lines)}`).join('\n');
  }
}

/** What `<dataDir>/cluster.json` records, so a reused data dir keeps its ports and token. */
interface SavedLayout {
  backend: Backend;
  token: string;
  nodes: Array<{ name: string; ports: number[] }>;
}

/** @internal Lays out node dirs and ports, reusing a saved layout in `dataDir` when it matches. */
export async function layoutNodes(
  backend: Backend,
  count: number,
  dataDir: string,
  portsPerNode: number,
  prefix: string,
): Promise<{ nodes: NodeLayout[]; token: string; lease: PortLease; reused: boolean }> {
  const file = join(dataDir, 'cluster.json');
  let saved: SavedLayout | undefined;
  if (existsSync(file)) {
    saved = JSON.parse(readFileSync(file, 'utf8')) as SavedLayout;
    if (saved.backend !== backend || saved.nodes.length !== count) {
      throw new ClusterError(
        'INVALID_OPTIONS',
        `${dataDir} holds a ${saved.nodes.length}-node ${saved.backend} cluster, not ${count} ${backend} node(s); use another dataDir`,
      );
    }
  }
  const lease = saved
    ? await reserveExactPorts(saved.nodes.flatMap((n) => n.ports))
    : await reservePorts(count * portsPerNode);
  const token = saved?.token ?? `strongbox-${randomBytes(6).toString('hex')}`;
  const nodes: NodeLayout[] = Array.from({ length: count }, (_, i) => {
    const name = saved?.nodes[i]?.name ?? `${prefix}${i + 1}`;
    const dir = join(dataDir, name);
    mkdirSync(dir, { recursive: true });
    return {
      index: i,
      name,
      host: '127.0.0.1',
      dir,
      ports: lease.ports.slice(i * portsPerNode, (i + 1) * portsPerNode),
    };
  });
  if (!saved) {
    const layout: SavedLayout = {
      backend,
      token,
      nodes: nodes.map((n) => ({ name: n.name, ports: n.ports })),
    };
    writeFileSync(file, `${JSON.stringify(layout, null, 2)}\n`);
  }
  return { nodes, token, lease, reused: saved !== undefined };
}

/** @internal Starts the nodes of a laid-out cluster and waits until it is ready. */
export async function launch(
  ctx: LaunchContext,
  lease: PortLease,
  dataDir: string,
  removeDataDir: boolean,
  fresh: boolean,
  onProgress: (msg: string) => void,
): Promise<Cluster> {
  const driver = DRIVERS[ctx.install.backend];
  const nodes = ctx.nodes.map((l) => new ClusterNode(driver, ctx, l));
  const cluster = new Cluster(driver, ctx, nodes, lease, removeDataDir, dataDir);
  try {
    await Promise.all(nodes.map((n) => n.start()));
    onProgress(
      `started ${nodes.length} ${ctx.install.backend} node(s): ${nodes.map((n) => `${n.name} pid ${n.pid}`).join(', ')}`,
    );
    await cluster.waitReady(ctx.options.startupTimeoutMs, onProgress);
    if (fresh && driver.setup && (await driver.setup(ctx, ctx.nodes))) onProgress('authentication enabled');
    return cluster;
  } catch (err) {
    const logs = cluster.logTail(25);
    await cluster.stop();
    if (err instanceof ClusterError && (err.code === 'STARTUP_TIMEOUT' || err.code === 'PROCESS_EXITED'))
      throw err;
    throw new ClusterError(
      'STARTUP_TIMEOUT',
      `${ctx.install.backend} cluster did not start: ${String(err)}\n${logs}`,
      {
        backend: ctx.install.backend,
        cause: err,
      },
    );
  }
}

/** Parses options with zod, reporting every bad field. */
export function parseClusterOptions(options: ClusterOptions): ParsedClusterOptions {
  const { onProgress: _ignored, ...rest } = options;
  const r = clusterOptions.safeParse(rest);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ClusterError('INVALID_OPTIONS', `invalid cluster options: ${issues}`);
  }
  return r.data;
}

/**
 * Starts a local cluster of real servers and resolves once it has a leader and a quorum write
 * succeeded. Ports are free loopback ports leased machine-wide; each server runs behind a
 * watchdog, so none outlives this process.
 *
 * @example
 * await using cluster = await startCluster({ backend: 'etcd', nodes: 3 });
 * const leader = await cluster.waitForLeader();
 * await leader.kill();
 * await cluster.waitReady();
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const opts = parseClusterOptions(options);
  const progress = options.onProgress ?? (() => {});
  const install = await findServer(opts.backend, { log: progress });
  progress(`using ${opts.backend} ${install.version} (${install.source}: ${install.location})`);
  const auto = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? temporaryDataDir(`strongbox-${opts.backend}-`, !opts.keepDataDir);
  mkdirSync(dataDir, { recursive: true });
  const driver = DRIVERS[opts.backend];
  const { nodes, token, lease, reused } = await layoutNodes(
    opts.backend,
    opts.nodes,
    dataDir,
    driver.portsPerNode,
    'n',
  );
  const ctx: LaunchContext = { options: opts, install, nodes, token };
  return launch(ctx, lease, dataDir, auto && !opts.keepDataDir, !reused, progress);
}
