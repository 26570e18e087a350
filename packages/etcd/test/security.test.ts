import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, startCluster } from '@strongbox/cluster';
import { createStore, type StoreConfig, StoreError } from '@strongbox/core';
import { Etcd3, Range } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../../../test/support/certs.js';

// One cluster with both TLS (client certificates required) and password authentication, as a
// production etcd for payment state would run.
let dir: string;
let cluster: Cluster;
let certs: TestCertificates;
const rootPassword = `root-${randomUUID()}`;
const appPassword = `app-${randomUUID()}`;

const tls = () => ({ caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile });
// An open that succeeds does a TLS handshake and an etcd Authenticate (bcrypt, then a raft
// proposal for the token), which can take seconds on a loaded machine. Only the cases that expect
// UNAVAILABLE pass a short timeout, as they wait all of it.
const open = (extra: Partial<StoreConfig> = {}) =>
  createStore({ backend: 'etcd', endpoints: [...cluster.endpoints], connectTimeoutMs: 15_000, ...extra });
const failFast = { connectTimeoutMs: 2_000 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strongbox-etcd-tls-'));
  certs = makeTestCertificates(dir);
  cluster = await startCluster({
    backend: 'etcd',
    nodes: 3,
    etcd: {
      auth: { rootPassword },
      tls: {
        certFile: certs.serverCertFile,
        keyFile: certs.serverKeyFile,
        caFile: certs.caFile,
        clientCertAuth: true,
      },
    },
  });
  // A user limited to keys under app/, as a service's replicas would use.
  const root = new Etcd3({
    hosts: cluster.endpoints.map((e) => `https://${e}`),
    credentials: {
      rootCertificate: readFileSync(certs.caFile),
      certChain: readFileSync(certs.clientCertFile),
      privateKey: readFileSync(certs.clientKeyFile),
    },
    auth: { username: 'root', password: rootPassword },
  });
  try {
    const role = await root.role('app').create();
    await role.grant({ permission: 'Readwrite', range: Range.prefix('app/') });
    await (await root.user('app').create(appPassword)).addRole('app');
  } finally {
    root.close();
  }
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return (err as StoreError).code;
}

describe('TLS with client certificates and password authentication', () => {
  it('root reads and writes over TLS with its password', async () => {
    const store = await open({ etcd: { tls: tls(), username: 'root', password: rootPassword } });
    try {
      const k = `secure/${randomUUID()}`;
      const { version } = await store.put(k, 'v');
      expect((await store.get(k))?.version).toBe(version);
      expect(await store.putIfVersion(k, 'w', version)).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });

  it('a wrong password fails createStore with PERMISSION_DENIED', async () => {
    expect(await code(open({ etcd: { tls: tls(), username: 'root', password: 'wrong' } }))).toBe(
      'PERMISSION_DENIED',
    );
  });

  it('without credentials every key operation is PERMISSION_DENIED', async () => {
    const store = await open({ etcd: { tls: tls() } });
    try {
      expect(await code(store.get('app/x'))).toBe('PERMISSION_DENIED');
      expect(await code(store.put('app/x', 'v'))).toBe('PERMISSION_DENIED');
    } finally {
      await store.close();
    }
  });

  it('a user limited to a prefix works there and is PERMISSION_DENIED elsewhere, nothing written', async () => {
    const store = await open({ etcd: { tls: tls(), username: 'app', password: appPassword } });
    try {
      const k = `app/${randomUUID()}`;
      expect((await store.putIfAbsent(k, 'v')).ok).toBe(true);
      expect(await store.list('app/')).toContainEqual(expect.objectContaining({ key: k }));
      expect(await code(store.put(`other/${randomUUID()}`, 'v'))).toBe('PERMISSION_DENIED');
      expect(await code(store.get('other/x'))).toBe('PERMISSION_DENIED');
      const txn = store.transaction({
        operations: [
          { type: 'put', key: `${k}/2`, value: 'v' },
          { type: 'put', key: `other/${randomUUID()}`, value: 'v' },
        ],
      });
      expect(await code(txn)).toBe('PERMISSION_DENIED');
      expect(await store.get(`${k}/2`)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('without a client certificate, or trusting another CA, the connection fails UNAVAILABLE', async () => {
    const creds = { username: 'root', password: rootPassword };
    expect(await code(open({ ...failFast, etcd: { ...creds, tls: { caFile: certs.caFile } } }))).toBe(
      'UNAVAILABLE',
    );
    expect(
      await code(open({ ...failFast, etcd: { ...creds, tls: { ...tls(), caFile: certs.otherCaFile } } })),
    ).toBe('UNAVAILABLE');
  });

  it('plain text to a TLS endpoint fails UNAVAILABLE', async () => {
    expect(await code(open({ ...failFast, etcd: { username: 'root', password: rootPassword } }))).toBe(
      'UNAVAILABLE',
    );
  });
});
