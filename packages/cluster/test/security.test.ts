import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestCertificates } from '../../../test/support/certs.js';
import { type Cluster, startCluster, zookeeperDigest } from '../src/index.js';
import { fourLetterWord, http } from '../src/probe.js';

const running: Cluster[] = [];
const dir = mkdtempSync(join(tmpdir(), 'strongbox-security-'));
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** What a TLS-only Consul port answers to plain HTTP. */
const plainToTls = { status: 400, body: expect.stringContaining('HTTP request to an HTTPS server') };

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('secured clusters (what the adapters test against)', () => {
  it('etcd with a root password rejects anonymous writes and accepts root', async () => {
    const c = await startCluster({
      backend: 'etcd',
      etcd: { auth: { rootPassword: 'pw' } },
      logLevel: 'warn',
    });
    running.push(c);
    const url = `http://${c.endpoints[0]}`;
    const put = (headers: Record<string, string> = {}) =>
      http(`${url}/v3/kv/put`, {
        method: 'POST',
        body: JSON.stringify({ key: b64('a'), value: b64('1') }),
        headers,
      });
    expect((await put()).body).toMatch(/user name is empty|permission denied/);
    const auth = await http(`${url}/v3/auth/authenticate`, {
      method: 'POST',
      body: JSON.stringify({ name: 'root', password: 'pw' }),
    });
    const token = (JSON.parse(auth.body) as { token: string }).token;
    expect((await put({ authorization: token })).status).toBe(200);
    // Leader detection and readiness keep working with auth on.
    expect((await c.leader())?.name).toBe('n1');
    await c.waitReady(10_000);
    await c.stop();
  });

  it('etcd serves its client URLs over TLS', async () => {
    const key = join(dir, 'server.key');
    const cert = join(dir, 'server.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const c = await startCluster({
      backend: 'etcd',
      etcd: { tls: { certFile: cert, keyFile: key, caFile: cert } },
      logLevel: 'warn',
    });
    running.push(c);
    const r = await http(`https://${c.endpoints[0]}/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      tls: { ca: readFileSync(cert) },
    });
    expect(r.status).toBe(200);
    await expect(
      http(`http://${c.endpoints[0]}/v3/maintenance/status`, { method: 'POST', body: '{}' }),
    ).rejects.toThrow();
    await c.stop();
  });

  it('Consul with ACLs denies anonymous KV writes and accepts the master token', async () => {
    const c = await startCluster({
      backend: 'consul',
      consul: { aclMasterToken: 'b1gs3cr3t-0000-4000-8000-000000000000' },
      logLevel: 'warn',
    });
    running.push(c);
    const url = `http://${c.endpoints[0]}/v1/kv/strongbox-test`;
    expect((await http(url, { method: 'PUT', body: 'x' })).status).toBe(403);
    const ok = await http(url, {
      method: 'PUT',
      body: 'x',
      headers: { 'x-consul-token': 'b1gs3cr3t-0000-4000-8000-000000000000' },
    });
    expect(ok.status).toBe(200);
    await c.stop();
  });

  it('Consul serves its API over HTTPS only on every node of 3, requiring client certificates', async () => {
    const certs = makeTestCertificates(mkdtempSync(join(dir, 'consul-mtls-')));
    const c = await startCluster({
      backend: 'consul',
      nodes: 3,
      consul: {
        tls: {
          certFile: certs.serverCertFile,
          keyFile: certs.serverKeyFile,
          caFile: certs.caFile,
          clientCertAuth: true,
        },
      },
      logLevel: 'warn',
    });
    running.push(c);
    const client = {
      ca: readFileSync(certs.caFile),
      cert: readFileSync(certs.clientCertFile),
      key: readFileSync(certs.clientKeyFile),
    };
    // A write through each node: followers forward theirs to the leader over server RPC, which
    // must keep working although the API is TLS.
    for (const [i, endpoint] of c.endpoints.entries()) {
      const r = await http(`https://${endpoint}/v1/kv/strongbox-test/${i}`, {
        method: 'PUT',
        body: 'x',
        tls: client,
      });
      expect([r.status, r.body.trim()]).toEqual([200, 'true']);
    }
    const leaders = await Promise.all(c.nodes.map((n) => n.isLeader()));
    expect(leaders.filter(Boolean)).toHaveLength(1);
    const endpoint = c.endpoints[0] as string;
    // Go's TLS server answers a plain request with a 400 and nothing else.
    expect(await http(`http://${endpoint}/v1/status/leader`)).toMatchObject(plainToTls);
    await expect(
      http(`https://${endpoint}/v1/status/leader`, { tls: { ca: readFileSync(certs.caFile) } }),
    ).rejects.toThrow();
    await expect(
      http(`https://${endpoint}/v1/status/leader`, {
        tls: { ...client, ca: readFileSync(certs.otherCaFile) },
      }),
    ).rejects.toThrow();
    await c.stop();
  });

  it('Consul over HTTPS without client certificates: the CA alone is enough', async () => {
    const certs = makeTestCertificates(mkdtempSync(join(dir, 'consul-tls-')));
    const c = await startCluster({
      backend: 'consul',
      consul: {
        tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile },
      },
      logLevel: 'warn',
    });
    running.push(c);
    const r = await http(`https://${c.endpoints[0]}/v1/kv/strongbox-test`, {
      method: 'PUT',
      body: 'x',
      tls: { ca: readFileSync(certs.caFile) },
    });
    expect([r.status, r.body.trim()]).toEqual([200, 'true']);
    expect(await http(`http://${c.endpoints[0]}/v1/status/leader`)).toMatchObject(plainToTls);
    expect((await c.leader())?.name).toBe('n1');
    await c.stop();
  });

  it('ZooKeeper takes a super digest', async () => {
    const digest = zookeeperDigest('super', 'secret');
    // The value ZooKeeper's own DigestAuthenticationProvider prints for super:secret.
    expect(digest).toBe('super:lK75jTNcA+U9vtVEw5vB51mj/w4=');
    const c = await startCluster({
      backend: 'zookeeper',
      zookeeper: { superDigest: digest },
      logLevel: 'warn',
    });
    running.push(c);
    const [host, port] = (c.endpoints[0] as string).split(':');
    expect(await fourLetterWord(host as string, Number(port), 'ruok')).toBe('imok');
    expect(readFileSync(c.nodes[0]?.logFile as string, 'utf8')).toContain(`superDigest=${digest}`);
    await c.stop();
  });
});
