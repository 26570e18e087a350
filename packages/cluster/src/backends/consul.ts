import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { http, type ProbeTls } from '../probe.js';
import { type Driver, type LaunchContext, type NodeLayout, viaAny } from './driver.js';

// ports: [http or https (the API), serf_lan, serf_wan, server (raft RPC)]
const LEVELS = { debug: 'debug', info: 'info', warn: 'warn', error: 'err' } as const;

function headers(ctx: LaunchContext): Record<string, string> {
  const token = ctx.options.consul.aclMasterToken;
  return token ? { 'x-consul-token': token } : {};
}

const apiUrl = (ctx: LaunchContext, n: NodeLayout): string =>
  `${ctx.options.consul.tls ? 'https' : 'http'}://${n.host}:${n.ports[0]}`;

function probeTls(ctx: LaunchContext): ProbeTls | undefined {
  const tls = ctx.options.consul.tls;
  if (!tls) return undefined;
  return {
    ca: readFileSync(tls.caFile),
    // With client certificates required the probes present the server's own pair, which the CA signed.
    ...(tls.clientCertAuth ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : {}),
  };
}

function call(
  ctx: LaunchContext,
  n: NodeLayout,
  path: string,
  options: { method?: string; body?: string } = {},
): ReturnType<typeof http> {
  const tls = probeTls(ctx);
  return http(`${apiUrl(ctx, n)}${path}`, { ...options, headers: headers(ctx), ...(tls ? { tls } : {}) });
}

/** The API port settings: plain HTTP, or HTTPS only with the given certificates. */
function apiConfig(ctx: LaunchContext, apiPort: number): { ports: object; tls: object } {
  const tls = ctx.options.consul.tls;
  if (!tls) return { ports: { http: apiPort, https: -1 }, tls: {} };
  return {
    ports: { http: -1, https: apiPort },
    tls: {
      ca_file: tls.caFile,
      cert_file: tls.certFile,
      key_file: tls.keyFile,
      verify_incoming_https: tls.clientCertAuth,
      // Only the API is TLS: servers keep talking plain RPC to each other over loopback, as etcd's
      // peers do. verify_incoming would also demand TLS on RPC, which plain outgoing RPC cannot meet.
      verify_incoming_rpc: false,
      verify_outgoing: false,
    },
  };
}

/** Consul 1.8 server agents (every node is a server), probed over the HTTP(S) API. */
export const consulDriver: Driver = {
  portsPerNode: 4,
  command(ctx, n) {
    const [apiPort, serfLan, serfWan, server] = n.ports as [number, number, number, number];
    const token = ctx.options.consul.aclMasterToken;
    const api = apiConfig(ctx, apiPort);
    const config = {
      node_name: n.name,
      datacenter: 'dc1',
      primary_datacenter: 'dc1',
      data_dir: join(n.dir, 'data'),
      server: true,
      bootstrap_expect: ctx.nodes.length,
      bind_addr: n.host,
      advertise_addr: n.host,
      client_addr: n.host,
      // Several agents share one host: random node ids, never one derived from the machine.
      disable_host_node_id: true,
      disable_update_check: true,
      log_level: LEVELS[ctx.options.logLevel],
      ports: { ...api.ports, serf_lan: serfLan, serf_wan: serfWan, server, dns: -1, grpc: -1 },
      ...api.tls,
      retry_join: ctx.nodes.filter((m) => m !== n).map((m) => `${m.host}:${m.ports[1]}`),
      retry_interval: '200ms',
      // Multiplier 1 is the production setting: the shortest raft timeouts Consul allows.
      performance: { raft_multiplier: 1 },
      leave_on_terminate: false,
      skip_leave_on_interrupt: true,
      ...(token
        ? {
            acl: {
              enabled: true,
              default_policy: 'deny',
              down_policy: 'extend-cache',
              tokens: { master: token, agent: token },
            },
          }
        : {}),
    };
    const file = join(n.dir, 'consul.json');
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    return { args: ['agent', `-config-file=${file}`] };
  },
  clientEndpoint: (_ctx, n) => `${n.host}:${n.ports[0]}`,
  async isLeader(ctx, n) {
    try {
      const r = await call(ctx, n, '/v1/status/leader');
      if (r.status !== 200) return undefined;
      // The leader's raft address, e.g. "127.0.0.1:23456"; "" while there is none.
      return (JSON.parse(r.body) as string) === `${n.host}:${n.ports[3]}`;
    } catch {
      return undefined;
    }
  },
  async write(ctx, nodes) {
    await viaAny(nodes, async (n: NodeLayout) => {
      const r = await call(ctx, n, '/v1/kv/strongbox/cluster/ready', {
        method: 'PUT',
        body: String(Date.now()),
      });
      if (r.status !== 200 || r.body.trim() !== 'true')
        throw new Error(`consul ${n.name} write: HTTP ${r.status} ${r.body.trim()}`);
    });
  },
  /**
   * With ACLs on, each server starts in legacy ACL mode and leaves it only once it has seen
   * every server advertise the new ACL system; until then the policy and token endpoints answer
   * 500 "The ACL system is currently in legacy mode." (KV calls with the master token already
   * work). A cluster with ACLs is ready when every server lists policies.
   */
  async ready(ctx, nodes) {
    if (!ctx.options.consul.aclMasterToken) return;
    for (const n of nodes) {
      const r = await call(ctx, n, '/v1/acl/policies');
      if (r.status !== 200) throw new Error(`consul ${n.name} ACL system: HTTP ${r.status} ${r.body.trim()}`);
    }
  },
};
