import { type Cluster, startCluster } from '@strongbox/cluster';
import { runLinearizability } from '@strongbox/conformance';
import { type CallContext, createStore, type Store, timedContext, toText } from '@strongbox/core';
import * as zk from 'node-zookeeper-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection, getData } from '../src/connection.js';
import { eventually, rawClient, rawGet, storeErrorOf, unique } from './helpers.js';

let cluster: Cluster;
const open: Store[] = [];
const conns: Connection[] = [];

beforeAll(async () => {
  cluster = await startCluster({ backend: 'zookeeper', nodes: 3 });
}, 120_000);
afterAll(async () => {
  await Promise.allSettled(open.map((s) => s.close()));
  for (const c of conns) c.close();
  for (const done of contexts) done();
  await cluster?.stop();
});
// Every test leaves the ensemble whole for the next one.
afterEach(async () => {
  for (const n of cluster.nodes) {
    if (n.state === 'paused') n.resume();
    if (n.state !== 'running') await n.restart();
  }
  await cluster.waitForLeader();
}, 120_000);

const endpoint = (i: number) => cluster.endpoints[i] as string;

async function store(root: string, endpoints: string[], sessionTimeoutMs = 4000): Promise<Store> {
  const s = await createStore({ backend: 'zookeeper', endpoints, zookeeper: { root, sessionTimeoutMs } });
  open.push(s);
  return s;
}

const contexts: Array<() => void> = [];
function ctx(timeoutMs: number): CallContext {
  const { ctx: c, done } = timedContext(timeoutMs, 'zookeeper');
  contexts.push(done);
  return c;
}

/** The client port of the server a connection is on (the client's private socket). */
function serverPort(client: zk.Client): number | undefined {
  return (client as unknown as { connectionManager: { socket?: { remotePort?: number } } }).connectionManager
    .socket?.remotePort;
}

describe('faults', () => {
  // Waits up to 10 s for the failure, 60 s for the restart and 30 s for the recovery, besides the calls.
  it('a write that cannot be sent is UNAVAILABLE; the same handle works again when its server is back', {
    timeout: 180_000,
  }, async () => {
    const root = `/${unique('down')}`;
    const s = await store(root, [endpoint(0)]);
    const other = await store(root, [endpoint(1), endpoint(2)]);
    await s.put('k', 'before');
    await cluster.nodes[0]?.kill();
    // The socket closes at once on a kill; from then on nothing is sent.
    await eventually('the put to fail', 10_000, async () => {
      const err = await storeErrorOf(s.put('k', 'during', { timeoutMs: 1000 }));
      return err.code === 'UNAVAILABLE';
    });
    expect((await storeErrorOf(s.get('k', { timeoutMs: 1000 }))).code).toBe('UNAVAILABLE');
    await other.put('k', 'elsewhere');
    await cluster.nodes[0]?.restart();
    await eventually('the handle to recover', 30_000, async () => (await s.get('k'))?.value !== undefined);
    expect(toText((await s.get('k'))?.value ?? new Uint8Array())).toBe('elsewhere');
    expect((await s.put('k', 'after')).version).toBe('2');
  });

  it('a write sent to a server that stops answering is INDETERMINATE', async () => {
    const root = `/${unique('paused')}`;
    const s = await store(root, [endpoint(2)], 6000);
    await s.put('k', 'before');
    await cluster.nodes[2]?.pause();
    const err = await storeErrorOf(s.put('k', 'maybe', { timeoutMs: 1000 }));
    expect(err.code).toBe('INDETERMINATE');
    cluster.nodes[2]?.resume();
    await eventually(
      'the handle to recover',
      30_000,
      async () => (await s.get('k', { timeoutMs: 2000 })) !== undefined,
    );
    // Either outcome is allowed; the store only has to say which one it holds now, consistently.
    const now = toText((await s.get('k'))?.value ?? new Uint8Array());
    expect(['before', 'maybe']).toContain(now);
  });

  it('a session on a silent server moves to another one (the probe), reads go on', async () => {
    const root = `/${unique('probe')}`;
    await store(root, [...cluster.endpoints]); // creates the root
    const conn = new Connection({ endpoints: [endpoint(1), endpoint(2)], sessionTimeoutMs: 4000 }, root);
    conns.push(conn);
    await conn.waitConnected(10_000);
    const port = await conn.read(ctx(5000), async (c) => serverPort(c));
    const silent = cluster.nodes.find((n) => n.clientEndpoint.endsWith(`:${port}`));
    expect(silent).toBeDefined();
    await silent?.pause();
    // No request gets an answer from the paused server; the probe drops it after 2/3 of the session timeout.
    const read = await conn.read(ctx(15_000), (c) => getData(c, root));
    expect(read?.stat).toBeDefined();
    // Without the probe the socket to the frozen server would never close and the read would time out.
    expect(await conn.read(ctx(5000), async (c) => serverPort(c))).not.toBe(port);
  });

  it('a connection that reaches a paused server first moves on to a live one', async () => {
    const root = `/${unique('handshake')}`;
    await store(root, [...cluster.endpoints]); // creates the root
    await cluster.nodes[1]?.pause();
    // The client shuffles its servers: with six connections, some try the paused one first. Its
    // kernel accepts the TCP connection, and the session handshake gets no answer.
    const six = Array.from({ length: 6 }, () => {
      const c = new Connection({ endpoints: [endpoint(1), endpoint(2)], sessionTimeoutMs: 4000 }, root);
      conns.push(c);
      return c;
    });
    await Promise.all(six.map((c) => c.waitConnected(15_000)));
    const ports = await Promise.all(six.map((c) => c.read(ctx(5000), async (cl) => serverPort(cl))));
    expect(new Set(ports)).toEqual(new Set([Number(endpoint(2).split(':')[1])]));
  });

  // Waits up to 30 s for the expiry, 60 s for the restart and 30 s for the read, besides the calls.
  it('an expired session is replaced by a new one without a restart', { timeout: 180_000 }, async () => {
    const root = `/${unique('expiry')}`;
    await store(root, [...cluster.endpoints]);
    // Long enough that a stall of the restarted server does not expire the replacement session too.
    const conn = new Connection({ endpoints: [endpoint(0)], sessionTimeoutMs: 4000 }, root);
    conns.push(conn);
    await conn.waitConnected(10_000);
    // An ephemeral znode shows from another server when the ensemble expires the session.
    const marker = `${root}/session-marker`;
    await conn.write(
      ctx(5000),
      (c) =>
        new Promise<void>((resolve, reject) =>
          c.create(marker, Buffer.alloc(0), zk.CreateMode.EPHEMERAL, (err) =>
            err ? reject(err) : resolve(),
          ),
        ),
    );
    const watcher = await rawClient(endpoint(1));
    try {
      await cluster.nodes[0]?.kill();
      await eventually('the session to expire', 30_000, async () => {
        const r = await rawGet(watcher, marker);
        return 'code' in r && r.code === zk.Exception.NO_NODE;
      });
    } finally {
      watcher.close();
    }
    await cluster.nodes[0]?.restart();
    const read = await conn.read(ctx(30_000), (c) => getData(c, root));
    expect(read?.stat).toBeDefined();
    expect(conn.sessions).toBe(2);
  });

  // 20 rounds of freezing a follower; each call may wait for the follower to catch up.
  it('a replica on a lagging follower still reads every completed write (get and list)', {
    timeout: 180_000,
  }, async () => {
    const root = `/${unique('lag')}`;
    const leader = await cluster.waitForLeader();
    const follower = cluster.nodes.find((n) => n !== leader) as (typeof cluster.nodes)[number];
    const others = cluster.nodes.filter((n) => n !== follower).map((n) => n.clientEndpoint);
    const writer = await store(root, others);
    const reader = await store(root, [follower.clientEndpoint], 10_000);
    await writer.put('seed', 'x');
    await reader.get('seed');
    for (let i = 0; i < 20; i++) {
      // The follower misses the commit while frozen and applies it after it wakes up; a plain
      // getData served right then could be stale.
      await follower.pause();
      try {
        await writer.put(`k${i}`, String(i), { timeoutMs: 20_000 });
      } finally {
        follower.resume();
      }
      // The woken follower may resync with the leader first: give the calls time, not a pass on staleness.
      // list first: a get's barrier before it on the session would make its reads current.
      const listed = await reader.list('k', { timeoutMs: 20_000 });
      const got = await reader.get(`k${i}`, { timeoutMs: 20_000 });
      expect(got && toText(got.value)).toBe(String(i));
      expect(listed.map((e) => e.key)).toContain(`k${i}`);
    }
  });

  // Waits up to 60 s for two restarts and 60 s for the recovery, besides the calls.
  it('without a quorum writes fail (never succeed) and reads fail; with it back the handle works', {
    timeout: 240_000,
  }, async () => {
    const root = `/${unique('quorum')}`;
    const s = await store(root, [...cluster.endpoints]);
    await s.put('k', 'before');
    await Promise.all([cluster.nodes[0]?.kill(), cluster.nodes[1]?.kill()]);
    const w = await storeErrorOf(s.put('k', 'lost', { timeoutMs: 2000 }));
    expect(['UNAVAILABLE', 'INDETERMINATE']).toContain(w.code);
    const r = await storeErrorOf(s.get('k', { timeoutMs: 2000 }));
    expect(['UNAVAILABLE', 'TIMEOUT']).toContain(r.code);
    // Conditions alone are a read: they fail too, and never as INDETERMINATE.
    const c = await storeErrorOf(
      s.transaction({ conditions: [{ type: 'present', key: 'k' }], operations: [] }, { timeoutMs: 2000 }),
    );
    expect(['UNAVAILABLE', 'TIMEOUT']).toContain(c.code);
    await Promise.all([cluster.nodes[0]?.restart(), cluster.nodes[1]?.restart()]);
    await eventually(
      'the handle to recover',
      60_000,
      async () => (await s.get('k', { timeoutMs: 2000 })) !== undefined,
    );
    const after = await s.putIfVersion('k', 'after', (await s.get('k'))?.version ?? '');
    expect(after.ok).toBe(true);
  });

  for (const kind of ['pause', 'kill-leader'] as const) {
    it(`histories stay linearizable while the nemesis runs ${kind}`, { timeout: 180_000 }, async () => {
      const root = `/${unique(`lin-${kind}`)}`;
      const run = await runLinearizability({
        name: `zookeeper 3 nodes, ${kind}`,
        backend: 'zookeeper',
        durationMs: 10_000,
        openStore: () =>
          createStore({
            backend: 'zookeeper',
            endpoints: [...cluster.endpoints],
            zookeeper: { root, sessionTimeoutMs: 4000 },
          }),
        nemesis: { cluster, kind, faultMs: 2500, healMs: 1500 },
      });
      expect(run.faults.length).toBeGreaterThan(0);
      expect(run.check.verdict).toBe('ok');
    });
  }
});
