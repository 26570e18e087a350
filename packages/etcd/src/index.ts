/**
 * @strongbox/etcd: the strongbox adapter for etcd v3, the default backend.
 * `createStore({ backend: 'etcd', endpoints })` loads it; import it directly only for its
 * capabilities or the error mapping.
 */
export { adapter } from './adapter.js';
export { etcdCapabilities } from './driver.js';
export { toStoreError } from './errors.js';
