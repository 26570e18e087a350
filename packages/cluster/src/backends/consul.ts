import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { http } from '../probe.js';
import { type Driver, type LaunchContext, type NodeLayout, viaAny } from './driver.js';

// ports: [http, serf_lan, serf_wan, server (raft RPC)]
const LEVELS = { debug: 'debug', info: 'info', warn: 'warn', error: 'err' } as const;

function headers(ctx: LaunchContext): Record<string, string> {
  const token = ctx.options.consul.aclMasterToken;
  return token ? { 'x-consul-token': token } : {};
}

/** Consul 1.8 server agents (every node is a server), probed over the HTTP API. */
export const consulDriver: Driver = {
  portsPerNode: 4,
  command(ctx, n) {
    const [httpPort, serfLan, serfWan, server] = n.ports as [number, number, number, number];
    const token = ctx.options.consul.aclMasterToken;
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
      ports: { http: httpPort, serf_lan: serfLan, serf_wan: serfWan, server, dns: -1, grpc: -1, https: -1 },
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
  async isLeader(_ctx, n) {
    try {
      const r = await http(`http://${n.host}:${n.ports[0]}/v1/status/leader`);
      if (r.status !== 200) return undefined;
      // The leader's raft address, e.g. "127.0.0.1:23456"; "" while there is none.
      return (JSON.parse(r.body) as string) === `${n.host}:${n.ports[3]}`;
    } catch {
      return undefined;
    }
  },
  async write(ctx, nodes) {
    await viaAny(nodes, async (n: NodeLayout) => {
      const r = await http(`http://${n.host}:${n.ports[0]}/v1/kv/strongbox/cluster/ready`, {
        method: 'PUT',
        body: String(Date.now()),
        headers: headers(ctx),
      });
      if (r.status !== 200 || r.body.trim() !== 'true')
        throw new Error(`consul ${n.name} write: HTTP ${r.status} ${r.body.trim()}`);
    });
  },
};
