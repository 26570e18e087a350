/**
 * Free loopback ports that never clash, also between clusters started by different processes at
 * once: each port is leased with an exclusive lock file in the OS temp dir (pid inside, so a lease
 * of a dead process is reclaimed), then checked by binding it. Ports come from below Linux's
 * ephemeral range, so outgoing connections never take them between the check and the server's bind.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterError } from './errors.js';
import { pidAlive } from './process/pids.js';

const FIRST = 20_000;
const LAST = 32_000;
const leaseDir = (): string => join(tmpdir(), 'strongbox-ports');

function tryLease(port: number): boolean {
  const file = join(leaseDir(), String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let owner = Number.NaN;
  try {
    owner = Number(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(owner) || owner === 0 || pidAlive(owner)) return false;
  // A dead owner's lease: remove it, then race for it like anyone else.
  rmSync(file, { force: true });
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Leased ports; `release()` gives them back (also done by a dead owner's pid check). */
export interface PortLease {
  readonly ports: readonly number[];
  release(): void;
}

function lease(ports: number[]): PortLease {
  return {
    ports,
    release: () => {
      for (const p of ports) rmSync(join(leaseDir(), String(p)), { force: true });
    },
  };
}

/** Leases `count` free loopback ports. */
export async function reservePorts(count: number): Promise<PortLease> {
  mkdirSync(leaseDir(), { recursive: true });
  const got: number[] = [];
  const span = LAST - FIRST;
  let p = FIRST + Math.floor(Math.random() * span);
  for (let tried = 0; got.length < count && tried < span; tried++, p = p >= LAST ? FIRST : p + 1) {
    if (!tryLease(p)) continue;
    if (await bindable(p)) got.push(p);
    else rmSync(join(leaseDir(), String(p)), { force: true });
  }
  if (got.length < count) {
    lease(got).release();
    throw new ClusterError(
      'NO_FREE_PORT',
      `no ${count} free loopback ports in ${FIRST}..${LAST} (found ${got.length})`,
    );
  }
  return lease(got);
}

/** Leases the given ports (a restarted cluster must keep the addresses stored in its data). */
export async function reserveExactPorts(ports: readonly number[]): Promise<PortLease> {
  mkdirSync(leaseDir(), { recursive: true });
  const got: number[] = [];
  for (const p of ports) {
    const leased = tryLease(p);
    if (leased && (await bindable(p))) {
      got.push(p);
      continue;
    }
    lease(leased ? [...got, p] : got).release();
    throw new ClusterError(
      'NO_FREE_PORT',
      `port ${p} on 127.0.0.1 is in use; it is needed as configured or as stored in the data dir`,
    );
  }
  return lease(got);
}
