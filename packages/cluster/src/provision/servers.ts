/**
 * Finds the etcd, Consul and ZooKeeper servers, in this order: explicit environment variables,
 * PATH (or a system ZooKeeper install), then the project-local cache, which is filled from pinned
 * Debian packages when empty.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ClusterError } from '../errors.js';
import { type AptMirror, extractDeb, findDebianMirror, type PackagePin, PrivateApt } from './apt.js';
import { run, which } from './exec.js';
import { withLock } from './lock.js';
import { serversDir } from './paths.js';

/** The three supported servers. */
export type Backend = 'etcd' | 'consul' | 'zookeeper';
/** The backends, in the order `npm run servers` provisions them. */
export const BACKENDS: readonly Backend[] = ['etcd', 'consul', 'zookeeper'];

/** Where a server came from. */
export type ServerSource = 'env' | 'path' | 'system' | 'cache';

/** A verified server install. */
export interface ServerInstall {
  backend: Backend;
  /** The version the server reported, e.g. `3.5.16`. */
  version: string;
  source: ServerSource;
  /** The command that starts the server; for ZooKeeper the Java runtime. */
  command: string;
  /** Arguments that come before the backend's own (ZooKeeper: the classpath). */
  baseArgs: string[];
  /** Human-readable location, for `npm run servers`. */
  location: string;
}

/** Environment variables that name servers explicitly (documented in the README). */
export const ENV = {
  etcd: 'STRONGBOX_ETCD_BIN',
  consul: 'STRONGBOX_CONSUL_BIN',
  zookeeperHome: 'STRONGBOX_ZOOKEEPER_HOME',
  zookeeperClasspath: 'STRONGBOX_ZOOKEEPER_CLASSPATH',
  java: 'STRONGBOX_JAVA',
  serversDir: 'STRONGBOX_SERVERS_DIR',
} as const;

/** What the cache is filled with: Debian suite and version-prefix pins per backend. */
export const PINS: Record<Backend, { suite: string; packages: PackagePin[] }> = {
  etcd: {
    suite: 'trixie',
    packages: [
      { name: 'etcd-server', version: '3.5.16' },
      { name: 'etcd-client', version: '3.5.16' },
    ],
  },
  consul: { suite: 'bullseye', packages: [{ name: 'consul', version: '1.8.7+dfsg1' }] },
  // Only the jars the server needs: the package's full Depends pull in Jetty, Jackson, JUnit
  // and more for the admin server and tools, which strongbox disables.
  zookeeper: {
    suite: 'bookworm',
    packages: [
      { name: 'libzookeeper-java', version: '3.8.0' },
      { name: 'libnetty-java', version: '1:4.1.48' },
      { name: 'libslf4j-java', version: '1.7.32' },
      { name: 'libcommons-cli-java', version: '1.5.0' },
      { name: 'libcommons-io-java', version: '2.11.0' },
      { name: 'libdropwizard-metrics-java', version: '3.2.6' },
      // Snapshot file naming loads snappy classes even when compression is off (no JNI needed).
      { name: 'libsnappy-java', version: '1.1.8.3' },
    ],
  },
};

const ZK_JARS = [
  'zookeeper',
  'zookeeper-jute',
  'netty-common',
  'netty-buffer',
  'netty-transport',
  'netty-handler',
  'netty-resolver',
  'netty-codec',
  'netty-transport-native-epoll',
  'netty-transport-native-unix-common',
  'slf4j-api',
  'slf4j-simple',
  'commons-cli',
  'commons-io',
  'metrics-core',
  'snappy-java',
];

/** Supported version ranges of servers found outside the cache. */
const SUPPORTED: Record<Backend, RegExp> = {
  etcd: /^3\.[56]\./,
  consul: /^1\.(?:[89]|\d\d)\./,
  zookeeper: /^3\.(?:[5-9])\./,
};

async function versionOf(backend: Backend, command: string, baseArgs: string[]): Promise<string | undefined> {
  const args =
    backend === 'etcd'
      ? ['--version']
      : backend === 'consul'
        ? ['version']
        : [...baseArgs, 'org.apache.zookeeper.version.VersionInfoMain'];
  const r = await run(command, args, { timeoutMs: 30_000 });
  if (r.code !== 0) return undefined;
  const re =
    backend === 'etcd' ? /etcd Version: (\S+)/ : backend === 'consul' ? /Consul v(\S+)/ : /version ([\d.]+)/;
  return re.exec(r.stdout)?.[1];
}

function findJava(): string {
  const explicit = process.env[ENV.java];
  if (explicit) return explicit;
  const home = process.env.JAVA_HOME;
  if (home && existsSync(join(home, 'bin', 'java'))) return join(home, 'bin', 'java');
  const onPath = which('java');
  if (onPath) return onPath;
  throw new ClusterError(
    'SERVER_MISSING',
    `ZooKeeper needs a Java runtime (11 or newer) and none was found: set ${ENV.java} to a java binary, set JAVA_HOME, ` +
      'or install one (as root: apt-get install default-jre-headless)',
    { backend: 'zookeeper' },
  );
}

/** ZooKeeper's classpath from a home dir: an upstream tarball (lib/*.jar) or a Debian-like root (usr/share/java). */
function classpathFromHome(home: string): string[] {
  for (const dir of [join(home, 'usr', 'share', 'java'), join(home, 'share', 'java')]) {
    if (existsSync(join(dir, 'zookeeper.jar'))) {
      return ZK_JARS.map((j) => join(dir, `${j}.jar`)).filter((p) => existsSync(p));
    }
  }
  const jars: string[] = [];
  for (const dir of [home, join(home, 'lib')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.jar')) jars.push(join(dir, f));
  }
  return jars;
}

async function verified(
  backend: Backend,
  source: ServerSource,
  command: string,
  baseArgs: string[],
  location: string,
  strict: boolean,
  log: (msg: string) => void = () => {},
): Promise<ServerInstall | undefined> {
  const version = await versionOf(backend, command, baseArgs);
  if (version && SUPPORTED[backend].test(version))
    return { backend, version, source, command, baseArgs, location };
  if (!strict) {
    log(
      `${backend} at ${location} (${source}) ${version ? `is ${version}, which is not supported` : 'does not run'}; not using it`,
    );
    return undefined;
  }
  throw new ClusterError(
    'SERVER_MISSING',
    `${backend} at ${location} (${source}) ${version ? `is version ${version}, which is not supported` : 'did not report a version'}; ` +
      `unset the variable to use the project's pinned copy, or point it at a working ${backend}`,
    { backend },
  );
}

/** Looks at env vars and PATH only; `undefined` when neither names the server. */
async function findOutsideCache(
  backend: Backend,
  log: (msg: string) => void,
): Promise<ServerInstall | undefined> {
  if (backend === 'etcd' || backend === 'consul') {
    const explicit = process.env[ENV[backend]];
    if (explicit) return verified(backend, 'env', explicit, [], explicit, true);
    const onPath = which(backend);
    return onPath ? verified(backend, 'path', onPath, [], onPath, false, log) : undefined;
  }
  const cpEnv = process.env[ENV.zookeeperClasspath];
  const homeEnv = process.env[ENV.zookeeperHome];
  if (cpEnv || homeEnv) {
    const cp = cpEnv ? cpEnv.split(delimiter).filter(Boolean) : classpathFromHome(homeEnv as string);
    const where = cpEnv ? `${ENV.zookeeperClasspath}` : `${ENV.zookeeperHome}=${homeEnv}`;
    return verified('zookeeper', 'env', findJava(), ['-cp', cp.join(delimiter)], where, true);
  }
  const zkServer = which('zkServer.sh');
  if (zkServer) {
    const home = dirname(dirname(zkServer));
    const found = await verified(
      'zookeeper',
      'path',
      findJava(),
      ['-cp', classpathFromHome(home).join(delimiter)],
      home,
      false,
      log,
    );
    if (found) return found;
  }
  // An apt-installed libzookeeper-java: its jars sit in /usr/share/java.
  if (existsSync('/usr/share/java/zookeeper.jar')) {
    return verified(
      'zookeeper',
      'system',
      findJava(),
      ['-cp', classpathFromHome('/usr').join(delimiter)],
      '/usr/share/java',
      false,
      log,
    );
  }
  return undefined;
}

interface Stamp {
  [backend: string]: { packages: Record<string, string>; version: string } | undefined;
}

function readStamp(dir: string): Stamp {
  try {
    return JSON.parse(readFileSync(join(dir, 'stamp.json'), 'utf8')) as Stamp;
  } catch {
    return {};
  }
}

function pinsMatch(backend: Backend, entry: Stamp[string]): boolean {
  if (!entry) return false;
  return PINS[backend].packages.every((p) => {
    const v = entry.packages[p.name];
    return (
      v !== undefined && (v === p.version || v.startsWith(`${p.version}-`) || v.startsWith(`${p.version}+`))
    );
  });
}

function cacheInstall(backend: Backend, dir: string, version: string): ServerInstall | undefined {
  const root = join(dir, backend);
  if (backend === 'zookeeper') {
    const cp = classpathFromHome(root);
    if (cp.length !== ZK_JARS.length) return undefined;
    return {
      backend,
      version,
      source: 'cache',
      command: findJava(),
      baseArgs: ['-cp', cp.join(delimiter)],
      location: root,
    };
  }
  const bin = join(root, 'usr', 'bin', backend);
  return existsSync(bin)
    ? { backend, version, source: 'cache', command: bin, baseArgs: [], location: bin }
    : undefined;
}

/**
 * The keyring of the `debian-archive-keyring` package from the machine's own suite, verified with
 * the keys the machine trusts: it carries the keys of newer suites than the machine's keyring has.
 */
export async function fetchArchiveKeyring(aptRoot: string, mirror: AptMirror, dir: string): Promise<string> {
  const host = new PrivateApt(aptRoot, mirror, mirror.hostSuite);
  await host.update(() =>
    Promise.reject(
      new ClusterError('PROVISION_FAILED', `the host suite ${mirror.hostSuite} itself is not verifiable`),
    ),
  );
  const [pkg] = await host.download([{ name: 'debian-archive-keyring', version: '' }], join(dir, 'debs'));
  const dest = join(dir, 'keyring');
  await extractDeb((pkg as { deb: string }).deb, dest);
  return join(dest, 'usr', 'share', 'keyrings', 'debian-archive-keyring.gpg');
}

/** Fills the cache for `backend` from Debian packages; the caller holds the cache lock. */
async function provision(backend: Backend, dir: string, log: (msg: string) => void): Promise<ServerInstall> {
  const mirror = findDebianMirror();
  const aptRoot = join(dir, 'apt');
  const fetchKeyring = (): Promise<string> => fetchArchiveKeyring(aptRoot, mirror, dir);
  const { suite, packages } = PINS[backend];
  log(
    `${backend}: fetching ${packages.map((p) => `${p.name} ${p.version}*`).join(', ')} from Debian ${suite}`,
  );
  const apt = new PrivateApt(aptRoot, mirror, suite);
  await apt.update(fetchKeyring);
  const debs = await apt.download(packages, join(dir, 'debs'));
  const tmp = join(dir, `${backend}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  for (const d of debs) await extractDeb(d.deb, tmp);
  rmSync(join(dir, backend), { recursive: true, force: true });
  renameSync(tmp, join(dir, backend));
  const pending = cacheInstall(backend, dir, '');
  if (!pending)
    throw new ClusterError('PROVISION_FAILED', `${backend}: the unpacked packages lack the expected files`, {
      backend,
    });
  const version = await versionOf(backend, pending.command, pending.baseArgs);
  if (!version) {
    throw new ClusterError(
      'PROVISION_FAILED',
      `${backend} from the cache at ${pending.location} does not run: its version command failed`,
      {
        backend,
      },
    );
  }
  const stamp = readStamp(dir);
  stamp[backend] = { version, packages: Object.fromEntries(debs.map((d) => [d.name, d.version])) };
  writeFileSync(join(dir, 'stamp.json'), `${JSON.stringify(stamp, null, 2)}\n`);
  return { ...pending, version };
}

const found = new Map<Backend, Promise<ServerInstall>>();

/**
 * The server to run for `backend`, verified with its version command. With `provision` (the
 * default) an empty cache is filled from Debian packages; without it a missing server throws
 * `SERVER_MISSING` with what to set. Results are memoised per process (`recheck` looks again).
 */
export function findServer(
  backend: Backend,
  options: { provision?: boolean; log?: (msg: string) => void; recheck?: boolean } = {},
): Promise<ServerInstall> {
  const memo = options.recheck ? undefined : found.get(backend);
  if (memo) return memo;
  const p = locate(backend, options.provision ?? true, options.log ?? (() => {}));
  found.set(backend, p);
  p.catch(() => found.delete(backend));
  return p;
}

async function locate(
  backend: Backend,
  allowProvision: boolean,
  log: (msg: string) => void,
): Promise<ServerInstall> {
  const outside = await findOutsideCache(backend, log);
  if (outside) return outside;
  const dir = serversDir();
  const fromStamp = (): ServerInstall | undefined => {
    const entry = readStamp(dir)[backend];
    return entry && pinsMatch(backend, entry) ? cacheInstall(backend, dir, entry.version) : undefined;
  };
  const cached = fromStamp();
  if (cached) return cached;
  if (!allowProvision) {
    throw new ClusterError(
      'SERVER_MISSING',
      `${backend} not found: run \`npm run servers\` to fetch the pinned Debian package into ${dir}, ` +
        `put ${backend === 'zookeeper' ? 'zkServer.sh' : backend} on PATH, or set ${backend === 'zookeeper' ? `${ENV.zookeeperHome} or ${ENV.zookeeperClasspath}` : ENV[backend]}`,
      { backend },
    );
  }
  mkdirSync(dir, { recursive: true });
  // Several test workers or engineers may provision at once: one does it, the others wait.
  return withLock(join(dir, '.lock'), async () => fromStamp() ?? provision(backend, dir, log)).catch(
    (err: unknown) => {
      if (!(err instanceof ClusterError) || err.code !== 'PROVISION_FAILED') throw err;
      throw new ClusterError('PROVISION_FAILED', `${err.message}\n${howToSupply(backend)}`, {
        backend,
        cause: err,
      });
    },
  );
}

/** The ways to supply a server by hand, for error messages. */
function howToSupply(backend: Backend): string {
  if (backend === 'zookeeper') {
    return `Supply ZooKeeper yourself: set ${ENV.zookeeperHome} (a release tarball dir) or ${ENV.zookeeperClasspath}, or put zkServer.sh on PATH; Java comes from ${ENV.java}, JAVA_HOME or PATH.`;
  }
  return `Supply ${backend} yourself: set ${ENV[backend]} to its binary or put \`${backend}\` on PATH.`;
}
