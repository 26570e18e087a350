import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, startCluster } from '@strongbox/cluster';
import { createStore, type StoreConfig, StoreError } from '@strongbox/core';
import { Etcd3, Range } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// One cluster with both TLS (client certificates required) and password authentication, as a
// production etcd for payment state would run.
let dir: string;
let cluster: Cluster;
const rootPassword = `root-${randomUUID()}`;
const appPassword = `app-${randomUUID()}`;

/** A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(into: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: into, stdio: 'pipe' });
  const key = (name: string) =>
    ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  const ca = (name: string) => {
    key(name);
    ssl(
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
    );
  };
  const signed = (name: string, cn: string, ext: string) => {
    key(name);
    ssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(join(into, `${name}.ext`), ext);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  };
  ca('ca');
  ca('other-ca');
  signed('server', 'etcd-test-server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  // No etcd user has this name: with client-cert auth etcd would otherwise take the CN as the user.
  signed('client', 'strongbox-test-client', 'subjectAltName=DNS:strongbox-test-client\n');
}

const file = (name: string) => join(dir, name);
const tls = () => ({ caFile: file('ca.crt'), certFile: file('client.crt'), keyFile: file('client.key') });
const open = (extra: Partial<StoreConfig> = {}) =>
  createStore({ backend: 'etcd', endpoints: [...cluster.endpoints], connectTimeoutMs: 2_000, ...extra });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strongbox-etcd-tls-'));
  makeCertificates(dir);
  cluster = await startCluster({
    backend: 'etcd',
    nodes: 3,
    etcd: {
      auth: { rootPassword },
      tls: {
        certFile: file('server.crt'),
        keyFile: file('server.key'),
        caFile: file('ca.crt'),
        clientCertAuth: true,
      },
    },
  });
  // A user limited to keys under app/, as a service's replicas would use.
  const root = new Etcd3({
    hosts: cluster.endpoints.map((e) => `https://${e}`),
    credentials: {
      rootCertificate: readFileSync(file('ca.crt')),
      certChain: readFileSync(file('client.crt')),
      privateKey: readFileSync(file('client.key')),
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
    expect(await code(open({ etcd: { ...creds, tls: { caFile: file('ca.crt') } } }))).toBe('UNAVAILABLE');
    expect(await code(open({ etcd: { ...creds, tls: { ...tls(), caFile: file('other-ca.crt') } } }))).toBe(
      'UNAVAILABLE',
    );
  });

  it('plain text to a TLS endpoint fails UNAVAILABLE', async () => {
    expect(await code(open({ etcd: { username: 'root', password: rootPassword } }))).toBe('UNAVAILABLE');
  });
});
