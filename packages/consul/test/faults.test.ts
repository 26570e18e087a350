import { createServer } from 'node:net';
import type { Cluster, ClusterNode } from '@strongbox/cluster';
import { type ErrorCode, isStoreError, type Store, toText } from '@strongbox/core';
import { describe, expect, it } from 'vitest';
import { codeOf, fileCluster, open, prefix, until } from './helpers.js';

// Faults on a real 3-server cluster. The tests run in order and each leaves all nodes running.
const files = fileCluster();

async function store(endpoints: readonly string[], requestTimeoutMs = 5000): Promise<Store> {
  const s = await open(endpoints, { requestTimeoutMs });
  files.keep(s);
  return s;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The node's own view of the leader ("" when it knows of none). */
async function leaderSeenBy(node: ClusterNode): Promise<string> {
  const r = await fetch(`http://${node.clientEndpoint}/v1/status/leader`);
  return (await r.json()) as string;
}

/**
 * Waits until the cluster is ready, every server has named the same leader for 3 s in a row, and a
 * write through each server has succeeded.
 * Consul 1.8's Raft has no pre-vote: a restarted server that misses heartbeats for a moment calls an
 * election with a higher term, and the leader steps down, seconds after waitReady already passed.
 */
async function settled(c: Cluster): Promise<void> {
  await c.waitReady();
  let leader = '';
  let since = 0;
  await until('every server to agree on one leader for 3 s', 30_000, async () => {
    const seen = await Promise.all(c.nodes.map((n) => leaderSeenBy(n).catch(() => '')));
    const one = seen.every((l) => l !== '' && l === seen[0]) ? (seen[0] as string) : '';
    if (one === '' || one !== leader) {
      leader = one;
      since = Date.now();
      return false;
    }
    return Date.now() - since >= 3_000;
  });
  // A server's pooled RPC connection to a restarted peer is stale until a request fails on it:
  // the first write it forwards there can be a 500 "stream closed". One write through every
  // server, until each succeeds, uses those connections up before the test's own calls.
  for (const n of c.nodes) {
    await until(`a write through ${n.name} to succeed`, 20_000, async () => {
      const r = await fetch(`http://${n.clientEndpoint}/v1/kv/settle-${n.name}`, {
        method: 'PUT',
        body: 'x',
      });
      return r.ok;
    });
  }
}

describe('consul under faults', () => {
  it('a refused connection is UNAVAILABLE, and the next endpoint serves the call', {
    timeout: 180_000,
  }, async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    // createStore waits for some endpoint to answer, up to connectTimeoutMs.
    const started = Date.now();
    expect(await codeOf(open([dead], { connectTimeoutMs: 300 }))).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5000);
    const node = files.cluster.nodes[1] as ClusterNode;
    const alone = await store([node.clientEndpoint]);
    await node.stop();
    try {
      expect(await codeOf(alone.get('k'))).toBe('UNAVAILABLE');
      expect(await codeOf(alone.put('k', 'v'))).toBe('UNAVAILABLE');
    } finally {
      await node.restart();
      await settled(files.cluster);
    }
    const p = prefix();
    const failover = await store([dead, ...files.cluster.endpoints]);
    const { version } = await failover.put(`${p}k`, 'v');
    expect((await failover.get(`${p}k`))?.version).toBe(version);
  });

  it('a deadline that passes after a write was sent is INDETERMINATE; a read times out', async () => {
    // A follower: pausing the leader would also stall the others until a new one is elected.
    const leader = await files.cluster.waitForLeader();
    const [node, peer] = files.cluster.nodes.filter((n) => n !== leader) as [ClusterNode, ClusterNode];
    const p = prefix();
    const s = await store([node.clientEndpoint]);
    const other = await store([peer.clientEndpoint]);
    // Setup, not the subject: retried while a server still answers a 500 after the last restart.
    await until(
      'a first write through the store',
      20_000,
      async () => (await codeOf(s.put(`${p}warm`, 'x'))) === 'ok',
    );
    // pause() resolves once every thread of the server is stopped: before that, one CI run saw
    // this put answered 'ok' by threads the SIGSTOP had not reached yet.
    await node.pause();
    try {
      expect(await codeOf(s.put(`${p}k`, 'maybe', { timeoutMs: 300 }))).toBe('INDETERMINATE');
      expect(await codeOf(s.get(`${p}k`, { timeoutMs: 300 }))).toBe('TIMEOUT');
      // The rest of the cluster keeps serving while one server is frozen.
      await other.put(`${p}other`, 'fine', { timeoutMs: 20_000 });
    } finally {
      node.resume();
    }
    await until(
      'the resumed node to serve reads',
      20_000,
      async () => (await codeOf(s.get(`${p}warm`))) === 'ok',
    );
  });

  it('steers away from a server that hangs: at open, and after a call timed out on it', async () => {
    const leader = await files.cluster.waitForLeader();
    const [hung, peer] = files.cluster.nodes.filter((n) => n !== leader) as [ClusterNode, ClusterNode];
    const endpoints = [hung.clientEndpoint, peer.clientEndpoint];
    const p = prefix();
    const early = await store(endpoints); // opened while all answer: it talks to `hung`
    await hung.pause();
    try {
      const started = Date.now();
      // The probe gives each endpoint its share of the budget: 3 s for the frozen one, the rest
      // for the live one. Waiting out the whole budget on the frozen one would be the bug.
      const late = await open(endpoints, { connectTimeoutMs: 6000 });
      files.keep(late);
      expect(Date.now() - started).toBeLessThan(6000);
      await late.put(`${p}k`, 'x', { timeoutMs: 20_000 });
      // The call that timed out is not re-sent, but the next one goes to the other server.
      expect(await codeOf(early.get(`${p}k`, { timeoutMs: 300 }))).toBe('TIMEOUT');
      expect(toText((await early.get(`${p}k`, { timeoutMs: 20_000 }))?.value ?? new Uint8Array())).toBe('x');
    } finally {
      hung.resume();
    }
  });

  it('when the server a store talks to dies mid-load, no write is lost and an UNAVAILABLE one was never applied', {
    timeout: 180_000,
  }, async () => {
    const victim = files.cluster.nodes[0] as ClusterNode;
    const p = prefix();
    const s = await store([victim.clientEndpoint, ...files.cluster.endpoints.slice(1)]);
    const outcomes = new Map<string, ErrorCode | string>();
    let started = 0;
    const worker = async () => {
      while (started < 60) {
        const key = `${p}${String(started++).padStart(2, '0')}`;
        try {
          outcomes.set(key, (await s.put(key, key)).version);
        } catch (err) {
          if (!isStoreError(err)) throw err;
          outcomes.set(key, err.code);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));
    await until('some writes to land', 10_000, async () => outcomes.size >= 12);
    await victim.kill();
    await load;
    try {
      await files.cluster.waitForLeader();
      const reader = await store(files.cluster.endpoints.slice(1));
      for (const [key, outcome] of outcomes) {
        expect(
          ['INDETERMINATE', 'UNAVAILABLE'].includes(outcome) || /^\d+$/.test(outcome),
          `${key}: ${outcome}`,
        ).toBe(true);
        const entry = await reader.get(key, { timeoutMs: 15_000 });
        if (/^\d+$/.test(outcome)) expect(entry?.version, key).toBe(outcome);
        if (outcome === 'UNAVAILABLE') expect(entry, key).toBeUndefined();
      }
      // Once a leader is back, the same store serves writes through the endpoints still alive.
      // A server may still answer one write with a 500 as its forwarding connection to the dead
      // server breaks ("rpc error making call: stream closed"): INDETERMINATE, rightly. So each
      // try writes a key of its own, and a write that succeeded must be what the reader sees.
      let after: { key: string; version: string } | undefined;
      await until('a write through the same store to succeed', 20_000, async () => {
        const key = `${p}after-${Date.now()}`;
        const r = await s.put(key, 'x', { timeoutMs: 15_000 }).catch((err: unknown) => {
          if (isStoreError(err) && ['INDETERMINATE', 'UNAVAILABLE'].includes(err.code)) return undefined;
          throw err;
        });
        if (r !== undefined) after = { key, version: r.version };
        return r !== undefined;
      });
      expect((await reader.get(after?.key ?? ''))?.version).toBe(after?.version);
    } finally {
      await victim.restart();
      await settled(files.cluster);
    }
  });

  it('without quorum every call is UNAVAILABLE (Consul holds it up to rpc_hold_timeout, 7 s); it recovers after', async () => {
    const [survivor, a, b] = files.cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
    const p = prefix();
    const s = await store([survivor.clientEndpoint], 15_000);
    await s.put(`${p}before`, 'x');
    await Promise.all([a.kill(), b.kill()]);
    try {
      // Wait until the survivor itself knows there is no leader: a write sent to a leader that has
      // not yet stepped down could be appended to its log, and would rightly be INDETERMINATE.
      await until(
        'the survivor to lose its leader',
        20_000,
        async () => (await leaderSeenBy(survivor)) === '',
      );
      const [write, read, check, txn] = await Promise.all([
        codeOf(s.put(`${p}k`, 'never')),
        codeOf(s.get(`${p}before`)),
        // Conditions alone are a read: the survivor must not judge them on its own state.
        codeOf(s.transaction({ conditions: [{ type: 'present', key: `${p}before` }], operations: [] })),
        codeOf(
          s.transaction({
            conditions: [{ type: 'absent', key: `${p}k` }],
            operations: [{ type: 'put', key: `${p}k`, value: 'v' }],
          }),
        ),
      ]);
      expect({ write, read, check, txn }).toEqual({
        write: 'UNAVAILABLE',
        read: 'UNAVAILABLE',
        check: 'UNAVAILABLE',
        txn: 'UNAVAILABLE',
      });
    } finally {
      await Promise.all([a.restart(), b.restart()]);
      await settled(files.cluster);
    }
    expect(await s.get(`${p}k`)).toBeUndefined();
    const after = await s.put(`${p}k`, 'now');
    expect(toText((await s.get(`${p}k`))?.value ?? new Uint8Array())).toBe('now');
    expect(after.version).toMatch(/^\d+$/);
  }, 180_000);
});
