import type { ParsedClusterOptions } from '../options.js';
import type { ServerInstall } from '../provision/servers.js';

/** Where one node lives: name, loopback host, data dir and its ports (meaning per backend). */
export interface NodeLayout {
  index: number;
  name: string;
  host: string;
  /** `<dataDir>/<name>`: the server's data and its log file. */
  dir: string;
  ports: number[];
}

/** Everything a driver needs to start and probe the nodes of one cluster. */
export interface LaunchContext {
  options: ParsedClusterOptions;
  install: ServerInstall;
  nodes: readonly NodeLayout[];
  /** Cluster token / datacenter-unique string. */
  token: string;
  /** etcd only: an initial cluster that names members outside this process (embedded mode). */
  initialCluster?: string;
  /** etcd only: its own log level names (embedded mode also takes panic and fatal). */
  etcdLogLevel?: string;
}

/** How to run and probe one kind of server. */
export interface Driver {
  /** Ports each node needs. */
  readonly portsPerNode: number;
  /** Writes the node's config files and returns the server's arguments (also used for restarts). */
  command(ctx: LaunchContext, node: NodeLayout): { args: string[]; env?: Record<string, string> };
  /** `host:port` a client connects to. */
  clientEndpoint(ctx: LaunchContext, node: NodeLayout): string;
  /** Whether the node says it leads; `undefined` when it does not answer. */
  isLeader(ctx: LaunchContext, node: NodeLayout): Promise<boolean | undefined>;
  /** One write that only succeeds with a quorum, sent to any of `nodes`; throws when it fails. */
  write(ctx: LaunchContext, nodes: readonly NodeLayout[]): Promise<void>;
  /**
   * A further condition of readiness, checked after the quorum write against every running node;
   * throws while it does not hold (Consul with ACLs: every server has left legacy ACL mode).
   */
  ready?(ctx: LaunchContext, nodes: readonly NodeLayout[]): Promise<void>;
  /** Run once after the first readiness of a fresh cluster (e.g. enable auth); true if it did something. */
  setup?(ctx: LaunchContext, nodes: readonly NodeLayout[]): Promise<boolean>;
}

/** Tries `fn` on each node in turn and returns the first success; rethrows the last failure. */
export async function viaAny<T>(nodes: readonly NodeLayout[], fn: (n: NodeLayout) => Promise<T>): Promise<T> {
  let last: unknown = new Error('no running node to ask');
  for (const n of nodes) {
    try {
      return await fn(n);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
