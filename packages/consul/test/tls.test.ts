import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, startCluster } from '@strongbox/cluster';
import { type ErrorCode, isStoreError, type Store, toText } from '@strongbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../../../test/support/certs.js';
import { open, prefix } from './helpers.js';

// One Consul server serving its HTTP API over HTTPS only and requiring client certificates.
let dir: string;
let certs: TestCertificates;
let cluster: Cluster;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strongbox-consul-tls-'));
  certs = makeTestCertificates(dir);
  cluster = await startCluster({
    backend: 'consul',
    logLevel: 'warn',
    consul: {
      tls: {
        certFile: certs.serverCertFile,
        keyFile: certs.serverKeyFile,
        caFile: certs.caFile,
        clientCertAuth: true,
      },
    },
  });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<ErrorCode | 'ok'> {
  try {
    const s = await p;
    if (s && typeof (s as Store).close === 'function') await (s as Store).close();
    return 'ok';
  } catch (err) {
    if (isStoreError(err)) return err.code;
    throw err;
  }
}

describe('consul over TLS', () => {
  it('works with the CA and a client certificate; endpoints become https', async () => {
    const tls = { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile };
    const store = await open(cluster.endpoints, { consul: { tls } });
    try {
      const p = prefix();
      const { version } = await store.put(`${p}k`, 'secret');
      const e = await store.get(`${p}k`);
      expect(e?.version).toBe(version);
      expect(toText(e?.value ?? new Uint8Array())).toBe('secret');
      expect(await store.compareAndSwap(`${p}k`, 'secret', 'next')).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });

  it('refuses to open without a trusted CA or without the client certificate', async () => {
    const quick = { connectTimeoutMs: 2000 };
    const untrusted = {
      caFile: certs.otherCaFile,
      certFile: certs.clientCertFile,
      keyFile: certs.clientKeyFile,
    };
    expect(await codeOf(open(cluster.endpoints, { ...quick, consul: { tls: untrusted } }))).toBe(
      'UNAVAILABLE',
    );
    expect(
      await codeOf(open(cluster.endpoints, { ...quick, consul: { tls: { caFile: certs.caFile } } })),
    ).toBe('UNAVAILABLE');
    expect(await codeOf(open(cluster.endpoints, quick))).toBe('UNAVAILABLE');
  });
});
