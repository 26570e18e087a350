import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS, ClusterError, findServer, PINS } from '../src/index.js';
import { findDebianMirror } from '../src/provision/apt.js';

function etcApt(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-apt-'));
  mkdirSync(join(dir, 'sources.list.d'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('findDebianMirror', () => {
  it('reads the Debian entry of deb822 sources, skipping other vendors', () => {
    const dir = etcApt({
      'sources.list.d/vendor.sources':
        'Types: deb\nURIs: https://vendor.example/apt\nSuites: nodistro\nComponents: main\nSigned-By: /k/vendor.gpg\n',
      'sources.list.d/debian.sources':
        'Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /k/debian.gpg\n\n' +
        'Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\nComponents: main\n',
    });
    expect(findDebianMirror(dir)).toEqual({
      uri: 'http://mirror.example/debian',
      signedBy: '/k/debian.gpg',
      hostSuite: 'bookworm',
    });
  });

  it('reads one-line sources.list entries with options', () => {
    const dir = etcApt({
      'sources.list':
        '# x\ndeb [arch=amd64 signed-by=/k/a.gpg] http://m.example/debian trixie main contrib\n',
    });
    expect(findDebianMirror(dir)).toEqual({
      uri: 'http://m.example/debian',
      signedBy: '/k/a.gpg',
      hostSuite: 'trixie',
    });
  });

  it('says what is missing when there is no Debian archive', () => {
    const dir = etcApt({ 'sources.list': 'deb http://m.example/ubuntu jammy main\n' });
    expect(() => findDebianMirror(dir)).toThrow(ClusterError);
    expect(() => findDebianMirror(dir)).toThrow(/STRONGBOX_ETCD_BIN/);
  });
});

describe('findServer', () => {
  it.each(BACKENDS)('finds a verified %s', async (backend) => {
    const s = await findServer(backend, { provision: false });
    expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
    if (s.source === 'cache') expect(PINS[backend].packages[0]?.version).toContain(s.version);
  });

  it('prefers explicit paths from the environment', async () => {
    const cached = await findServer('etcd', { provision: false });
    const zk = await findServer('zookeeper', { provision: false });
    const saved = { ...process.env };
    process.env.STRONGBOX_ETCD_BIN = cached.command;
    if (zk.source === 'cache') process.env.STRONGBOX_ZOOKEEPER_HOME = zk.location;
    try {
      const etcd = await findServer('etcd', { provision: false, recheck: true });
      expect(etcd).toMatchObject({ source: 'env', command: cached.command, version: cached.version });
      if (zk.source === 'cache') {
        const fromHome = await findServer('zookeeper', { provision: false, recheck: true });
        expect(fromHome).toMatchObject({ source: 'env', version: zk.version, baseArgs: zk.baseArgs });
      }
    } finally {
      process.env = saved;
      await findServer('etcd', { provision: false, recheck: true });
      await findServer('zookeeper', { provision: false, recheck: true });
    }
  });

  it('says how to get a server that is nowhere', async () => {
    const saved = { ...process.env };
    process.env.STRONGBOX_SERVERS_DIR = mkdtempSync(join(tmpdir(), 'strongbox-empty-servers-'));
    process.env.PATH = '/nonexistent';
    try {
      await expect(findServer('consul', { provision: false, recheck: true })).rejects.toThrow(
        /consul not found: run `npm run servers`.*STRONGBOX_CONSUL_BIN/,
      );
    } finally {
      process.env = saved;
      await findServer('consul', { provision: false, recheck: true });
    }
  });

  it('fails with what to set when an explicit binary is broken', async () => {
    const saved = process.env.STRONGBOX_CONSUL_BIN;
    process.env.STRONGBOX_CONSUL_BIN = '/nonexistent/consul';
    try {
      await expect(findServer('consul', { provision: false, recheck: true })).rejects.toThrow(
        /\/nonexistent\/consul.*did not report a version/,
      );
    } finally {
      if (saved === undefined) delete process.env.STRONGBOX_CONSUL_BIN;
      else process.env.STRONGBOX_CONSUL_BIN = saved;
    }
  });
});
