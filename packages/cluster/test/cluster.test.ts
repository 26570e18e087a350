import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '@strongbox/cluster';
import { afterAll, describe, expect, it } from 'vitest';
import { type Backend, type Cluster, ClusterError, startCluster } from '../src/index.js';
import { threadStates } from '../src/process/server-process.js';

const started: Cluster[] = [];
afterAll(async () => {
  await Promise.all(started.map((c) => c.stop()));
});

async function start(backend: Backend, nodes: number): Promise<Cluster> {
  const c = await startCluster({ backend, nodes });
  started.push(c);
  return c;
}

describe.each(['etcd', 'zookeeper', 'consul'] as const)('%s', (backend) => {
  it('starts and stops one node, leaving no process behind', async ({ onTestFailed }) => {
    const c = await start(backend, 1);
    onTestFailed(() => console.error(c.logTail(40)));
    expect(c.endpoints).toHaveLength(1);
    expect(c.endpoints[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    const leader = await c.leader();
    expect(leader?.name).toBe('n1');
    const pid = c.nodes[0]?.pid;
    expect(pidAlive(pid)).toBe(true);
    await c.stop();
    expect(pidAlive(pid)).toBe(false);
    expect(existsSync(c.dataDir)).toBe(false);
  });

  it('survives leader kill, pause/resume and restart of 3 nodes', async ({ onTestFailed }) => {
    const c = await start(backend, 3);
    onTestFailed(() => console.error(c.logTail(40)));
    expect(new Set(c.endpoints).size).toBe(3);
    const first = await c.waitForLeader();

    // Kill the leader: the other two elect a new one and still commit quorum writes.
    await first.kill();
    expect(first.state).toBe('killed');
    expect(pidAlive(first.pid)).toBe(false);
    await c.waitReady(30_000);
    const second = await c.leader();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);

    // Restart the killed node on its old data: it rejoins and the cluster keeps committing.
    const oldPid = first.pid;
    await first.restart();
    expect(first.state).toBe('running');
    expect(first.pid).not.toBe(oldPid);
    await c.waitReady(30_000);

    // Pause a follower: a majority remains, writes go on; resumed, it answers again.
    // The leader now, not `second`: the restarted node may have forced an election meanwhile.
    const leaderNow = await c.waitForLeader();
    const follower = c.nodes.find((n) => n !== leaderNow && n.state === 'running');
    if (!follower) throw new Error('no follower');
    await follower.pause();
    expect(follower.state).toBe('paused');
    // pause() resolves only when the kernel has stopped every thread, not just sent the signal.
    const states = threadStates(follower.pid as number) ?? [];
    expect(states.length).toBeGreaterThan(1);
    expect(states.filter((st) => st !== 'T' && st !== 't')).toEqual([]);
    await c.write();
    follower.resume();
    await c.waitReady(30_000);

    const pids = c.nodes.map((n) => n.pid);
    await c.stop();
    expect(pids.filter(pidAlive)).toEqual([]);
  });
});

describe('a data dir reused by a new startCluster', () => {
  it('brings the whole cluster back on its ports with its data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'strongbox-reuse-'));
    try {
      const first = await startCluster({ backend: 'etcd', nodes: 3, dataDir, logLevel: 'warn' });
      started.push(first);
      await first.stop();
      const again = await startCluster({ backend: 'etcd', nodes: 3, dataDir, logLevel: 'warn' });
      started.push(again);
      expect(again.endpoints).toEqual(first.endpoints);
      expect(existsSync(join(dataDir, 'n1', 'data', 'member'))).toBe(true);
      await again.stop();
      const wrong = await startCluster({ backend: 'etcd', nodes: 1, dataDir }).catch((e: unknown) => e);
      expect((wrong as ClusterError).code).toBe('INVALID_OPTIONS');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('startCluster errors', () => {
  it('rejects bad options, naming every bad field', async () => {
    const err = await startCluster({ backend: 'etcd', nodes: 0, startupTimeoutMs: -1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('INVALID_OPTIONS');
    expect((err as ClusterError).message).toMatch(/nodes/);
    expect((err as ClusterError).message).toMatch(/startupTimeoutMs/);
  });

  it('times out with the node logs in the error', async () => {
    const err = await startCluster({ backend: 'etcd', nodes: 1, startupTimeoutMs: 1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('STARTUP_TIMEOUT');
    expect((err as ClusterError).message).toMatch(/--- n1/);
  });
});
