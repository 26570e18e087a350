import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files made by {@link makeTestCertificates}, as absolute paths. */
export interface TestCertificates {
  /** The CA that signed the server and client certificates (`ca.crt`). */
  readonly caFile: string;
  /** A second CA that signed nothing here: trusting it instead must fail (`other-ca.crt`). */
  readonly otherCaFile: string;
  /**
   * Server certificate for 127.0.0.1 and localhost (`server.crt`). It has no extendedKeyUsage, so it
   * also serves as a client certificate: startCluster's probes present it when servers require one.
   */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** Client certificate (`client.crt`), CN `strongbox-test-client`. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/**
 * Writes a throwaway CA, a second unrelated CA, a server certificate for 127.0.0.1 and a client
 * certificate into `dir` with openssl (P-256 keys, valid for a day), for TLS tests against real
 * servers.
 */
export function makeTestCertificates(dir: string): TestCertificates {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
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
    writeFileSync(join(dir, `${name}.ext`), ext);
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
  signed('server', 'strongbox-test-server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  // A CN no etcd user has: with client-cert auth etcd would otherwise take the CN as the user name.
  signed('client', 'strongbox-test-client', 'subjectAltName=DNS:strongbox-test-client\n');
  const file = (name: string) => join(dir, name);
  return {
    caFile: file('ca.crt'),
    otherCaFile: file('other-ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
  };
}
