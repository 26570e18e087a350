/**
 * Downloads pinned Debian packages with a private apt state, so the machine's apt configuration is
 * never changed and no root is needed: the sources reuse the Debian mirror the machine already uses
 * (read from its apt sources, never written into the project), `apt-get download` fetches the
 * .deb files and `dpkg-deb -x` unpacks them into the project-local cache.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterError } from '../errors.js';
import { run } from './exec.js';

/** One Debian archive entry from the machine's apt sources. */
export interface AptMirror {
  uri: string;
  /** The keyring the machine trusts this archive with, if it names one. */
  signedBy: string | undefined;
  /** The suite the machine itself uses (e.g. bookworm), for fetching a newer keyring. */
  hostSuite: string;
}

/** A package to download: `version` is a prefix of the Debian version (`3.5.16` matches `3.5.16-4`). */
export interface PackagePin {
  name: string;
  version: string;
}

const DEBIAN_SUITE =
  /^(buster|bullseye|bookworm|trixie|forky|duke|sid|oldoldstable|oldstable|stable|testing|unstable)$/;
const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** Parses deb822 `.sources` text into stanzas of field → value. */
function parseDeb822(text: string): Array<Record<string, string>> {
  const stanzas: Array<Record<string, string>> = [];
  let current: Record<string, string> = {};
  let last: string | undefined;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('#')) continue;
    if (raw.trim() === '') {
      if (Object.keys(current).length > 0) stanzas.push(current);
      current = {};
      last = undefined;
      continue;
    }
    if (/^\s/.test(raw) && last) {
      current[last] = `${current[last] ?? ''}\n${raw.trim()}`;
      continue;
    }
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
    if (m?.[1]) {
      last = m[1].toLowerCase();
      current[last] = m[2] ?? '';
    }
  }
  if (Object.keys(current).length > 0) stanzas.push(current);
  return stanzas;
}

/**
 * The Debian mirror configured on this machine: the first `deb` entry of a Debian release suite
 * with the `main` component, from /etc/apt/sources.list.d/*.sources (deb822) or *.list and
 * /etc/apt/sources.list (one-line style).
 */
export function findDebianMirror(etcApt = '/etc/apt'): AptMirror {
  const entries: Array<{ uri: string; suites: string[]; components: string[]; signedBy?: string }> = [];
  const partsDir = join(etcApt, 'sources.list.d');
  const files = existsSync(partsDir) ? readdirSync(partsDir).sort() : [];
  for (const f of files) {
    const path = join(partsDir, f);
    if (f.endsWith('.sources')) {
      for (const s of parseDeb822(readFileSync(path, 'utf8'))) {
        if (s.enabled?.toLowerCase() === 'no' || !(s.types ?? '').split(/\s+/).includes('deb')) continue;
        const uri = (s.uris ?? '').split(/\s+/).find(Boolean);
        if (!uri) continue;
        entries.push({
          uri,
          suites: (s.suites ?? '').split(/\s+/).filter(Boolean),
          components: (s.components ?? '').split(/\s+/).filter(Boolean),
          ...(s['signed-by'] && !s['signed-by'].includes('\n') ? { signedBy: s['signed-by'].trim() } : {}),
        });
      }
    }
  }
  const listFiles = [
    join(etcApt, 'sources.list'),
    ...files.filter((f) => f.endsWith('.list')).map((f) => join(partsDir, f)),
  ];
  for (const path of listFiles) {
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const m = /^\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line);
      if (!m?.[2] || !m[3]) continue;
      const signed = /signed-by=(\S+)/.exec(m[1] ?? '')?.[1];
      entries.push({
        uri: m[2],
        suites: [m[3]],
        components: (m[4] ?? '').split(/\s+/).filter(Boolean),
        ...(signed ? { signedBy: signed } : {}),
      });
    }
  }
  for (const e of entries) {
    const suite = e.suites.find((s) => DEBIAN_SUITE.test(s));
    if (suite && e.components.includes('main')) {
      return { uri: e.uri, signedBy: e.signedBy, hostSuite: suite };
    }
  }
  throw new ClusterError(
    'PROVISION_FAILED',
    `no Debian archive with a release suite and the main component found in ${etcApt}/sources.list or ${partsDir}; ` +
      'install the servers yourself and point STRONGBOX_ETCD_BIN, STRONGBOX_CONSUL_BIN and STRONGBOX_ZOOKEEPER_HOME at them',
  );
}

/** A private apt setup for one suite, under `<aptRoot>/<suite>`; package caches are shared. */
export class PrivateApt {
  private readonly dir: string;
  private keyring: string | undefined;

  constructor(
    private readonly aptRoot: string,
    private readonly mirror: AptMirror,
    private readonly suite: string,
  ) {
    this.dir = join(aptRoot, suite);
    this.keyring = mirror.signedBy ?? (existsSync(DEFAULT_KEYRING) ? DEFAULT_KEYRING : undefined);
  }

  private options(): string[] {
    const o = (k: string, v: string) => ['-o', `${k}=${v}`];
    return [
      ...o('Dir::State', this.dir),
      ...o('Dir::State::status', join(this.dir, 'status')),
      ...o('Dir::Etc::SourceList', join(this.dir, 'sources.list')),
      ...o('Dir::Etc::SourceParts', '/dev/null'),
      ...o('Dir::Etc::Preferences', '/dev/null'),
      ...o('Dir::Etc::PreferencesParts', '/dev/null'),
      ...o('Dir::Cache', join(this.aptRoot, 'cache')),
      // As root apt would drop to the _apt user, who cannot write into the project tree.
      ...(process.getuid?.() === 0 ? o('APT::Sandbox::User', 'root') : []),
    ];
  }

  private writeSources(): void {
    mkdirSync(join(this.dir, 'lists', 'partial'), { recursive: true });
    mkdirSync(join(this.aptRoot, 'cache', 'archives', 'partial'), { recursive: true });
    writeFileSync(join(this.dir, 'status'), '');
    const signed = this.keyring ? `[signed-by=${this.keyring}] ` : '';
    writeFileSync(join(this.dir, 'sources.list'), `deb ${signed}${this.mirror.uri} ${this.suite} main\n`);
  }

  /** `apt-get update` for this suite only; signature checks stay on. */
  async update(fetchKeyring: () => Promise<string>): Promise<void> {
    this.writeSources();
    let r = await run('apt-get', [...this.options(), 'update'], { timeoutMs: 300_000 });
    if (r.code !== 0 || /NO_PUBKEY|not signed|EXPKEYSIG/.test(r.stderr)) {
      if (!/NO_PUBKEY|EXPKEYSIG|not signed/.test(r.stderr)) {
        throw new ClusterError(
          'PROVISION_FAILED',
          `apt-get update for ${this.suite} failed:\n${r.stderr.trim()}`,
        );
      }
      // The machine's keyring predates this suite: use the archive keyring package of the host's
      // own suite (verified by the keys the machine already trusts), which carries newer keys.
      this.keyring = await fetchKeyring();
      this.writeSources();
      r = await run('apt-get', [...this.options(), 'update'], { timeoutMs: 300_000 });
      if (r.code !== 0 || /NO_PUBKEY|not signed|EXPKEYSIG/.test(r.stderr)) {
        throw new ClusterError(
          'PROVISION_FAILED',
          `apt-get update for ${this.suite} failed even with the newer archive keyring ${this.keyring}:\n${r.stderr.trim()}`,
        );
      }
    }
  }

  /** The newest version of `pin.name` in this suite that starts with the pinned version. */
  async resolve(pin: PackagePin): Promise<string> {
    const r = await run('apt-cache', [...this.options(), 'madison', pin.name]);
    const versions = r.stdout
      .split('\n')
      .map((l) => l.split('|').map((c) => c.trim()))
      .filter((c) => c[0] === pin.name && c[1])
      .map((c) => c[1] as string);
    const ok = versions.find(
      (v) =>
        pin.version === '' ||
        v === pin.version ||
        v.startsWith(`${pin.version}-`) ||
        v.startsWith(`${pin.version}+`),
    );
    if (!ok) {
      throw new ClusterError(
        'PROVISION_FAILED',
        `package ${pin.name} ${pin.version}* is not in ${this.suite} (found: ${versions.join(', ') || 'none'})`,
      );
    }
    return ok;
  }

  /** Downloads the pinned packages into `debDir` and returns the .deb paths with their versions. */
  async download(
    pins: readonly PackagePin[],
    debDir: string,
  ): Promise<Array<{ name: string; version: string; deb: string }>> {
    mkdirSync(debDir, { recursive: true });
    const resolved = await Promise.all(
      pins.map(async (p) => ({ name: p.name, version: await this.resolve(p) })),
    );
    const r = await run(
      'apt-get',
      [...this.options(), 'download', ...resolved.map((p) => `${p.name}=${p.version}`)],
      {
        cwd: debDir,
        timeoutMs: 600_000,
      },
    );
    if (r.code !== 0) {
      throw new ClusterError(
        'PROVISION_FAILED',
        `apt-get download from ${this.suite} failed:\n${r.stderr.trim()}`,
      );
    }
    const files = readdirSync(debDir);
    return resolved.map((p) => {
      // apt escapes the epoch colon as %3a in file names.
      const plain = p.version.replace(/^\d+:/, '');
      const deb = files.find(
        (f) => f.startsWith(`${p.name}_`) && decodeURIComponent(f).includes(`${plain}_`),
      );
      if (!deb)
        throw new ClusterError(
          'PROVISION_FAILED',
          `apt-get download did not leave ${p.name}_${p.version} in ${debDir}`,
        );
      return { ...p, deb: join(debDir, deb) };
    });
  }
}

/** Unpacks a .deb's files (not its maintainer scripts) under `dest`. */
export async function extractDeb(deb: string, dest: string): Promise<void> {
  mkdirSync(dest, { recursive: true });
  const r = await run('dpkg-deb', ['-x', deb, dest]);
  if (r.code !== 0)
    throw new ClusterError('PROVISION_FAILED', `dpkg-deb -x ${deb} failed:\n${r.stderr.trim()}`);
}
