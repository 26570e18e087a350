import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { fourLetterWord } from '../probe.js';
import { type Driver, type NodeLayout, viaAny } from './driver.js';

// ports: [client, quorum, election]
const LEVELS = { debug: 'debug', info: 'info', warn: 'warn', error: 'error' } as const;

/** One ephemeral create through `n`: it commits only with a quorum; closing removes it. */
function quorumWrite(n: NodeLayout, timeoutMs = 3_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(`${n.host}:${n.ports[0]}`, {
      sessionTimeout: 4_000,
      spinDelay: 100,
      retries: 0,
    });
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`zookeeper ${n.name}: no quorum write within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once('connected', () => {
      client.create(
        `/strongbox-ready-${randomBytes(6).toString('hex')}`,
        Buffer.from('ready'),
        zookeeper.CreateMode.EPHEMERAL,
        (err) => {
          clearTimeout(timer);
          client.close();
          if (err) reject(err);
          else resolve();
        },
      );
    });
    client.connect();
  });
}

/** ZooKeeper 3.8 (QuorumPeerMain; standalone for one node), probed with `srvr`. */
export const zookeeperDriver: Driver = {
  portsPerNode: 3,
  command(ctx, n) {
    const zk = ctx.options.zookeeper;
    const dataDir = join(n.dir, 'data');
    const lines = [
      `tickTime=${zk.tickTimeMs}`,
      // Ticks, so these scale with tickTime: a follower has 2 s to sync and 1 s of silence to spare.
      'initLimit=10',
      'syncLimit=5',
      // Sessions must outlive a paused or restarted node, whatever tickTime is.
      `minSessionTimeout=${Math.max(2 * zk.tickTimeMs, 1_000)}`,
      'maxSessionTimeout=60000',
      `dataDir=${dataDir}`,
      `clientPort=${n.ports[0]}`,
      `clientPortAddress=${n.host}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr,stat,ruok,mntr,conf',
      'reconfigEnabled=false',
      'autopurge.purgeInterval=0',
    ];
    if (ctx.nodes.length > 1) {
      for (const m of ctx.nodes) lines.push(`server.${m.index + 1}=${m.host}:${m.ports[1]}:${m.ports[2]}`);
    }
    writeFileSync(join(n.dir, 'zoo.cfg'), `${lines.join('\n')}\n`);
    // myid lives in dataDir and must exist before the first start.
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'myid'), `${n.index + 1}\n`);
    const props = [
      '-Xms32m',
      '-Xmx256m',
      // Two cores shared by many JVMs: the serial collector and C1-only JIT start fastest.
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.net.preferIPv4Stack=true',
      '-Dzookeeper.jmx.log4j.disable=true',
      '-Dzookeeper.admin.enableServer=false',
      // Leader election backs off exponentially (up to 60 s) while peers are still starting their
      // JVMs; capping the wait keeps a 3-node start within a few seconds.
      '-Dzookeeper.fastleader.minNotificationInterval=100',
      '-Dzookeeper.fastleader.maxNotificationInterval=800',
      `-Dorg.slf4j.simpleLogger.defaultLogLevel=${LEVELS[ctx.options.logLevel]}`,
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
      ...(zk.superDigest ? [`-Dzookeeper.DigestAuthenticationProvider.superDigest=${zk.superDigest}`] : []),
    ];
    return { args: [...props, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(n.dir, 'zoo.cfg')] };
  },
  clientEndpoint: (_ctx, n) => `${n.host}:${n.ports[0]}`,
  async isLeader(_ctx, n) {
    try {
      const out = await fourLetterWord(n.host, n.ports[0] as number, 'srvr');
      const mode = /Mode: (\w+)/.exec(out)?.[1];
      // "This ZooKeeper instance is not currently serving requests": up, but in an election.
      if (!mode) return out.includes('not currently serving') ? false : undefined;
      return mode === 'leader' || mode === 'standalone';
    } catch {
      return undefined;
    }
  },
  async write(_ctx, nodes) {
    await viaAny(nodes, (n) => quorumWrite(n));
  },
};
