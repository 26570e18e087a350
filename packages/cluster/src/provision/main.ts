/**
 * `npm run servers`: makes etcd, Consul and ZooKeeper available (env vars, then PATH, then the
 * project-local cache filled from pinned Debian packages) and prints what it will use.
 * Fast and silent-ish when everything is already there.
 */
import { ClusterError } from '../errors.js';
import { BACKENDS, findServer } from './servers.js';

const started = Date.now();
let failed = false;
for (const backend of BACKENDS) {
  try {
    const s = await findServer(backend, { log: (msg) => console.log(`servers: ${msg}`) });
    console.log(`servers: ${backend.padEnd(9)} ${s.version.padEnd(7)} ${s.source.padEnd(6)} ${s.location}`);
  } catch (err) {
    failed = true;
    const msg =
      err instanceof ClusterError
        ? err.message
        : err instanceof Error
          ? (err.stack ?? err.message)
          : String(err);
    console.error(`servers: ${backend} unavailable: ${msg}`);
  }
}
console.log(`servers: ${failed ? 'incomplete' : 'ready'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = failed ? 1 : 0;
