export { ClusterError, type ClusterErrorCode } from './errors.js';
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
