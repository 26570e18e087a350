#!/usr/bin/env node
// Makes sure headless Chromium (Debian's `chromium` package) is installed, for the tests that render the
// HTML reports and look at them. Run by `npm test`'s pretest step; safe to run again (it does nothing then).
// Importable too: `ensureChromium()` returns the binary's path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where Debian's chromium package puts its launcher. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Returns the path of Chromium, installing the Debian package first when it is missing.
 * Throws with what to do when it cannot (not root, no apt-get, or the install failed).
 */
export function ensureChromium(log = (msg) => console.error(`ensure-chromium: ${msg}`)) {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (!existsSync('/usr/bin/apt-get')) {
    throw new Error(`${CHROMIUM} is missing and there is no apt-get to install it: install Chromium by hand`);
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      `${CHROMIUM} is missing and installing it needs root: run \`sudo apt-get install -y --no-install-recommends chromium\``,
    );
  }
  // apt-get update only when the package lists lack chromium: it is slow, and the lists are usually there.
  if (!hasCandidate()) {
    log('updating the package lists (apt-get update)');
    run(['update']);
    if (!hasCandidate()) throw new Error('apt has no `chromium` package even after apt-get update');
  }
  log('installing chromium (apt-get install -y --no-install-recommends chromium)');
  run(['install', '-y', '--no-install-recommends', 'chromium']);
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}

/** Flags that keep headless Chromium off this machine's closed network and quiet. */
export const HEADLESS_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Runs headless Chromium with `args` in a new, temporary profile (removed afterwards) and returns
 * what it printed; throws with its stderr when it fails. The tests that look at HTML reports use it.
 */
export function runHeadless(args, { timeoutMs = 60_000 } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run \`node scripts/ensure-chromium.mjs\` (npm test's pretest does)`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'strongbox-chromium-'));
  try {
    const r = spawnSync(CHROMIUM, [...HEADLESS_FLAGS, `--user-data-dir=${profile}`, ...args], {
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`chromium exited with ${r.status}: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

// apt-cache alone decides: the lists may be kept compressed (`…_Packages.lz4`, `.gz`), so their file
// names say nothing reliable about whether they are there.
function hasCandidate() {
  const r = spawnSync('apt-cache', ['policy', 'chromium'], { encoding: 'utf8' });
  const m = /Candidate:\s*(\S+)/.exec(r.stdout ?? '');
  return m !== null && m[1] !== '(none)';
}

function run(args) {
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error) throw new Error(`apt-get ${args.join(' ')} could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with exit code ${r.status}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    ensureChromium();
  } catch (err) {
    console.error(`ensure-chromium: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
