export { Cluster, startCluster } from './cluster.js';
export { zookeeperDigest } from './digest.js';
export { type EmbeddedEtcdOptions, embeddedEtcdOptions, startEmbeddedEtcd } from './embedded.js';
export { ClusterError, type ClusterErrorCode } from './errors.js';
export { ClusterNode, type NodeState } from './node.js';
export {
  type ClusterOptions,
  clusterOptions,
  consulClusterOptions,
  etcdClusterOptions,
  logLevel,
  type ParsedClusterOptions,
  zookeeperClusterOptions,
} from './options.js';
export { type PortLease, reserveExactPorts, reservePorts } from './ports.js';
export { pidAlive } from './process/pids.js';
export { liveServerPids } from './process/server-process.js';
export { ENV_SERVERS_DIR } from './provision/env.js';
export { serversDir } from './provision/paths.js';
export {
  BACKENDS,
  type Backend,
  ENV,
  findServer,
  PINS,
  type ServerInstall,
  type ServerSource,
} from './provision/servers.js';
