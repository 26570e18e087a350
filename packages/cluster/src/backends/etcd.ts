import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { http, type ProbeTls } from '../probe.js';
import { type Driver, type LaunchContext, type NodeLayout, viaAny } from './driver.js';

// ports: [client, peer]
const scheme = (ctx: LaunchContext): string => (ctx.options.etcd.tls ? 'https' : 'http');
const clientUrl = (ctx: LaunchContext, n: NodeLayout): string => `${scheme(ctx)}://${n.host}:${n.ports[0]}`;
const peerUrl = (n: NodeLayout): string => `http://${n.host}:${n.ports[1]}`;

function probeTls(ctx: LaunchContext): ProbeTls | undefined {
  const tls = ctx.options.etcd.tls;
  if (!tls) return undefined;
  return {
    ca: readFileSync(tls.caFile),
    // With client-cert auth the probes present the server's own pair, which the CA signed.
    ...(tls.clientCertAuth ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : {}),
  };
}

async function post(
  ctx: LaunchContext,
  n: NodeLayout,
  path: string,
  body: unknown,
  token?: string,
): Promise<unknown> {
  const tls = probeTls(ctx);
  const r = await http(`${clientUrl(ctx, n)}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    ...(token ? { headers: { authorization: token } } : {}),
    ...(tls ? { tls } : {}),
  });
  if (r.status !== 200) throw new Error(`etcd ${n.name} ${path}: HTTP ${r.status} ${r.body.trim()}`);
  return JSON.parse(r.body) as unknown;
}

/** Maps strongbox levels to etcd's zap levels. */
const LEVELS = { debug: 'debug', info: 'info', warn: 'warn', error: 'error' } as const;

/** etcd 3.5 over its JSON gRPC gateway. */
export const etcdDriver: Driver = {
  portsPerNode: 2,
  command(ctx, n) {
    const { etcd } = ctx.options;
    const dataDir = join(n.dir, 'data');
    const initialCluster = ctx.initialCluster ?? ctx.nodes.map((m) => `${m.name}=${peerUrl(m)}`).join(',');
    const args = [
      `--name=${n.name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl(ctx, n)}`,
      `--advertise-client-urls=${clientUrl(ctx, n)}`,
      `--listen-peer-urls=${peerUrl(n)}`,
      `--initial-advertise-peer-urls=${peerUrl(n)}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-token=${ctx.token}`,
      // With a member dir etcd ignores the initial-* flags and rejoins with its data; saying
      // 'existing' makes that explicit, so a restart can never bootstrap a second cluster.
      `--initial-cluster-state=${existsSync(join(dataDir, 'member')) ? 'existing' : 'new'}`,
      `--heartbeat-interval=${etcd.heartbeatIntervalMs}`,
      `--election-timeout=${etcd.electionTimeoutMs}`,
      `--log-level=${ctx.etcdLogLevel ?? LEVELS[ctx.options.logLevel]}`,
      '--logger=zap',
      '--log-outputs=stderr',
    ];
    if (etcd.maxRequestBytes !== undefined) args.push(`--max-request-bytes=${etcd.maxRequestBytes}`);
    if (etcd.tls) {
      args.push(`--cert-file=${etcd.tls.certFile}`, `--key-file=${etcd.tls.keyFile}`);
      if (etcd.tls.clientCertAuth) args.push('--client-cert-auth', `--trusted-ca-file=${etcd.tls.caFile}`);
    }
    return { args };
  },
  clientEndpoint: (_ctx, n) => `${n.host}:${n.ports[0]}`,
  async isLeader(ctx, n) {
    try {
      const s = (await post(ctx, n, '/v3/maintenance/status', {})) as {
        header?: { member_id?: string };
        leader?: string;
      };
      return s.leader !== undefined && s.leader !== '0' && s.leader === s.header?.member_id;
    } catch {
      return undefined;
    }
  },
  async write(ctx, nodes) {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    await viaAny(nodes, async (n) => {
      const token = await authToken(ctx, n);
      await post(
        ctx,
        n,
        '/v3/kv/put',
        { key: b64('strongbox/cluster/ready'), value: b64(String(Date.now())) },
        token,
      );
    });
  },
  async setup(ctx, nodes) {
    const auth = ctx.options.etcd.auth;
    if (!auth) return false;
    await viaAny(nodes, async (n) => {
      await post(ctx, n, '/v3/auth/role/add', { name: 'root' }).catch(ignoreExists);
      await post(ctx, n, '/v3/auth/user/add', { name: 'root', password: auth.rootPassword }).catch(
        ignoreExists,
      );
      await post(ctx, n, '/v3/auth/user/grant', { user: 'root', role: 'root' });
      await post(ctx, n, '/v3/auth/enable', {});
    });
    return true;
  },
};

function ignoreExists(err: unknown): void {
  if (!(err instanceof Error) || !/already exists/.test(err.message)) throw err;
}

async function authToken(ctx: LaunchContext, n: NodeLayout): Promise<string | undefined> {
  const auth = ctx.options.etcd.auth;
  if (!auth) return undefined;
  try {
    const r = (await post(ctx, n, '/v3/auth/authenticate', {
      name: 'root',
      password: auth.rootPassword,
    })) as {
      token?: string;
    };
    return r.token;
  } catch (err) {
    // Before setup() auth is off and authenticate says so: writes then need no token.
    if (err instanceof Error && /authentication is not enabled/.test(err.message)) return undefined;
    throw err;
  }
}
