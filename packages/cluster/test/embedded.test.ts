import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Cluster, type ClusterError, embeddedEtcdOptions, startEmbeddedEtcd } from '../src/index.js';
import { reservePorts } from '../src/ports.js';
import { http } from '../src/probe.js';

const dirs: string[] = [];
const running: Cluster[] = [];
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'strongbox-embedded-'));
  dirs.push(d);
  return d;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
async function put(endpoint: string, key: string, value: string): Promise<void> {
  const r = await http(`http://${endpoint}/v3/kv/put`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(key), value: b64(value) }),
  });
  expect(r.status).toBe(200);
}
async function get(endpoint: string, key: string): Promise<string | undefined> {
  const r = await http(`http://${endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(key) }),
  });
  const kv = (JSON.parse(r.body) as { kvs?: Array<{ value: string }> }).kvs?.[0];
  return kv ? Buffer.from(kv.value, 'base64').toString() : undefined;
}

describe('embedded etcd', () => {
  it('has snet-daemon parity fields with defaults', () => {
    const o = embeddedEtcdOptions.parse({});
    expect(o).toEqual({
      name: 'strongbox-0',
      host: '127.0.0.1',
      clusterToken: 'strongbox',
      startupTimeoutMs: 30_000,
      logLevel: 'error',
      nodes: 1,
    });
    expect(Object.keys(embeddedEtcdOptions.shape).sort()).toEqual(
      [
        'clientPort',
        'clusterToken',
        'dataDir',
        'host',
        'initialCluster',
        'logLevel',
        'name',
        'nodes',
        'peerPort',
        'startupTimeoutMs',
      ].sort(),
    );
    expect(() => embeddedEtcdOptions.parse({ initialCluster: 'no-url' })).toThrow();
    expect(() => embeddedEtcdOptions.parse({ nodes: 2 })).toThrow();
    expect(() => embeddedEtcdOptions.parse({ typo: 1 })).toThrow();
  });

  it('restarts on an existing data dir with its data, on the same ports', async () => {
    const dataDir = tempDir();
    const first = await startEmbeddedEtcd({
      dataDir,
      name: 'replica-a',
      clusterToken: 'tok-a',
      logLevel: 'warn',
    });
    running.push(first);
    const endpoint = first.endpoints[0] as string;
    await put(endpoint, 'k', 'v1');
    await first.stop({ graceful: true });
    expect(first.nodes[0]?.state).toBe('stopped');
    expect(existsSync(join(dataDir, 'replica-a', 'data', 'member'))).toBe(true);

    const second = await startEmbeddedEtcd({
      dataDir,
      name: 'replica-a',
      clusterToken: 'tok-a',
      logLevel: 'warn',
    });
    running.push(second);
    expect(second.endpoints).toEqual(first.endpoints);
    expect(await get(endpoint, 'k')).toBe('v1');
    await second.stop({ graceful: true });
  });

  it('listens on explicit client and peer ports', async () => {
    const lease = await reservePorts(2);
    lease.release();
    const [clientPort, peerPort] = lease.ports as [number, number];
    const etcd = await startEmbeddedEtcd({ dataDir: tempDir(), clientPort, peerPort, logLevel: 'warn' });
    running.push(etcd);
    expect(etcd.endpoints).toEqual([`127.0.0.1:${clientPort}`]);
    await etcd.stop();
  });

  it('runs a local 3-member cluster', async () => {
    const dataDir = tempDir();
    const local = await startEmbeddedEtcd({ dataDir, nodes: 3, name: 'm' });
    running.push(local);
    expect(local.nodes.map((n) => n.name)).toEqual(['m-1', 'm-2', 'm-3']);
    expect(await local.leader()).toBeDefined();
    await local.stop();
  });

  it('removes a temporary data dir on stop', async () => {
    const etcd = await startEmbeddedEtcd();
    running.push(etcd);
    expect(existsSync(etcd.dataDir)).toBe(true);
    await etcd.stop({ graceful: true });
    expect(existsSync(etcd.dataDir)).toBe(false);
  });

  it('rejects an initial cluster that does not name this member', async () => {
    const err = await startEmbeddedEtcd({
      dataDir: tempDir(),
      initialCluster: 'other=http://127.0.0.1:1',
    }).catch((e: unknown) => e);
    expect((err as ClusterError).code).toBe('INVALID_OPTIONS');
  });
});
