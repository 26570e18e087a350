import { describe, expect, it } from 'vitest';
import { createStore, parseStoreConfig, StoreError } from '../src/index.js';

describe('store config', () => {
  it('defaults to etcd with the documented defaults', () => {
    const c = parseStoreConfig({});
    expect(c.backend).toBe('etcd');
    expect(c.namespace).toBe('');
    expect(c.requestTimeoutMs).toBe(5000);
    expect(c.connectTimeoutMs).toBe(5000);
    expect(c.require).toEqual([]);
  });

  it('reports every bad field with its path, not just the first', () => {
    let err: unknown;
    try {
      parseStoreConfig({
        backend: 'redis',
        requestTimeoutMs: -5,
        endpoints: [],
        etcd: { username: 'u', tls: { certFile: 'c.pem' } },
        surprise: true,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    const e = err as StoreError;
    expect(e.code).toBe('INVALID_CONFIG');
    const paths = e.details.map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'backend',
        'requestTimeoutMs',
        'endpoints',
        'etcd.tls.certFile',
        'etcd.username',
      ]),
    );
    expect(e.details.some((d) => d.message.includes('surprise'))).toBe(true);
    for (const p of ['backend', 'requestTimeoutMs', 'etcd.tls.certFile']) expect(e.message).toContain(p);
  });

  it('refuses settings for a backend other than the chosen one instead of ignoring them', () => {
    expect(() => parseStoreConfig({ backend: 'consul', zookeeper: { root: '/x' } })).toThrow(
      /zookeeper: only applies with backend 'zookeeper'/,
    );
    expect(() => parseStoreConfig({ backend: 'consul', embedded: {} })).toThrow(
      /embedded mode runs etcd only/,
    );
    expect(() => parseStoreConfig({ embedded: {}, endpoints: ['127.0.0.1:2379'] })).toThrow(
      /endpoints or embedded, not both/,
    );
  });

  it('validates the ZooKeeper root and the embedded settings', () => {
    expect(parseStoreConfig({ backend: 'zookeeper' }).zookeeper).toBeUndefined();
    expect(parseStoreConfig({ backend: 'zookeeper', zookeeper: {} }).zookeeper?.root).toBe('/strongbox');
    expect(() => parseStoreConfig({ backend: 'zookeeper', zookeeper: { root: 'relative' } })).toThrow(
      /absolute znode path/,
    );
    expect(() => parseStoreConfig({ embedded: { nodes: 2 } })).toThrow(/embedded\.nodes/);
    expect(parseStoreConfig({ embedded: {} }).embedded).toMatchObject({
      nodes: 1,
      clusterToken: 'strongbox',
      logLevel: 'error',
    });
  });
});

describe('createStore', () => {
  it('opens the in-memory store', async () => {
    await using store = await createStore({ backend: 'memory' });
    await store.put('k', 'v');
    expect((await store.get('k'))?.key).toBe('k');
  });

  it('applies the namespace to every key', async () => {
    const store = await createStore({ backend: 'memory', namespace: 'svc/' });
    await store.put('k', 'v');
    expect((await store.list(''))[0]?.key).toBe('k');
    await store.close();
  });

  it('refuses a backend that lacks a required capability, naming it, before connecting', async () => {
    await expect(
      createStore({ backend: 'memory', require: ['linearizable-reads', 'watch'] }),
    ).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('watch'),
    });
    await expect(
      createStore({ backend: 'memory', require: ['linearizable-reads', 'transactions'] }),
    ).resolves.toBeDefined();
  });

  it('rejects an invalid config with INVALID_CONFIG', async () => {
    await expect(createStore({ backend: 'memory', requestTimeoutMs: 0 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });
});
