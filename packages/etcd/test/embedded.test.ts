import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reserveExactPorts, reservePorts } from '@strongbox/cluster';
import { describeConformance } from '@strongbox/conformance/vitest';
import { createStore, type Store, StoreError } from '@strongbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Two loopback ports (client, peer) leased machine-wide, from below the ephemeral range that
 * outgoing connections take ports from. The lease is given back right away: etcd's embedded start
 * leases the exact ports again itself, and fails if they are held.
 */
async function leasedPorts(): Promise<[number, number]> {
  const lease = await reservePorts(2);
  lease.release();
  return lease.ports as [number, number];
}

// One embedded 1-node etcd, started by createStore itself, for the whole file. The replicas the
// contract suite opens connect to it as plain clients, as the other replicas of a service would.
let owner: Store;
let endpoint: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strongbox-embedded-test-'));
  const [clientPort, peerPort] = await leasedPorts();
  endpoint = `127.0.0.1:${clientPort}`;
  owner = await createStore({ backend: 'etcd', embedded: { dataDir, clientPort, peerPort } });
}, 120_000);

afterAll(async () => {
  await owner?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describeConformance({
  name: 'etcd embedded 1 node',
  createStore: () => createStore({ backend: 'etcd', endpoints: [endpoint] }),
});

describe('embedded etcd', () => {
  it('the store that started etcd serves it like any replica', async () => {
    const k = `embedded/${randomUUID()}`;
    const { version } = await owner.put(k, 'v');
    const replica = await createStore({ backend: 'etcd', endpoints: [endpoint] });
    try {
      expect((await replica.get(k))?.version).toBe(version);
    } finally {
      await replica.close();
    }
  });

  // Two embedded starts, each allowed 30 s for etcd and 5 s to connect.
  it('closing the store stops etcd; a restart on the same data dir rejoins with the data', {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strongbox-embedded-restart-'));
    try {
      const [clientPort, peerPort] = await leasedPorts();
      const embedded = { dataDir: dir, name: 'restart-me', clientPort, peerPort };
      const first = await createStore({ backend: 'etcd', embedded });
      const { version } = await first.put('kept', 'before restart');
      await first.close();
      // Held while etcd is down, so no other server takes the ports before the restart.
      const lease = await reserveExactPorts([clientPort, peerPort]);
      try {
        const gone = await createStore({
          backend: 'etcd',
          endpoints: [`127.0.0.1:${clientPort}`],
          connectTimeoutMs: 300,
        }).catch((e: unknown) => e);
        expect((gone as StoreError).code).toBe('UNAVAILABLE');
      } finally {
        lease.release();
      }

      const second = await createStore({ backend: 'etcd', embedded });
      try {
        const kept = await second.get('kept');
        expect(kept?.version).toBe(version);
        expect(new TextDecoder().decode(kept?.value)).toBe('before restart');
        // Revisions go on from the old data: no version is handed out twice.
        const next = await second.putIfVersion('kept', 'after restart', version);
        expect(next.ok && BigInt(next.version) > BigInt(version)).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad embedded setting is INVALID_CONFIG', async () => {
    const err = await createStore({ backend: 'etcd', embedded: { name: 'bad name!' } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('INVALID_CONFIG');
  });
});
