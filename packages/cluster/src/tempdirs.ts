/**
 * Automatic data dirs in the OS temp dir. stop() removes them, and so does this process's exit;
 * a parent that was SIGKILLed leaves its dirs behind (etcd preallocates 64 MB of WAL per node),
 * so each new one first sweeps the dirs whose owner process is gone.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from './process/pids.js';
import { killAllNow } from './process/server-process.js';

const OWNER = '.strongbox-owner';
const PREFIX = /^strongbox-(?:etcd|consul|zookeeper|embedded)-/;
const owned = new Set<string>();
let exitHook = false;

/** Removes temp data dirs of dead owners; only dirs this package marked as removable. */
export function sweepTemporaryDataDirs(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => PREFIX.test(n));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    let pid: number;
    try {
      pid = Number(readFileSync(join(dir, OWNER), 'utf8'));
    } catch {
      continue; // not ours to remove (kept on purpose, or made by someone else)
    }
    if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh temp dir; `removable` marks it for removal on stop, on exit and by later sweeps. */
export function temporaryDataDir(prefix: string, removable: boolean): string {
  sweepTemporaryDataDirs();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (removable) {
    writeFileSync(join(dir, OWNER), String(process.pid));
    owned.add(dir);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        // Servers first, so none writes into a dir being removed.
        killAllNow();
        for (const d of owned) {
          try {
            rmSync(d, { recursive: true, force: true });
          } catch {
            // a server still writing: the next sweep removes the rest
          }
        }
      });
    }
  }
  return dir;
}

/** Removes a dir made by temporaryDataDir. */
export function removeTemporaryDataDir(dir: string): void {
  owned.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}
