import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterError } from '../src/index.js';
import { reserveExactPorts, reservePorts } from '../src/ports.js';

describe('port leases', () => {
  it('never hands out a port twice while leased, and frees it on release', async () => {
    const a = await reservePorts(20);
    const b = await reservePorts(20);
    expect(new Set([...a.ports, ...b.ports]).size).toBe(40);
    for (const p of a.ports) expect(existsSync(join(tmpdir(), 'strongbox-ports', String(p)))).toBe(true);
    a.release();
    b.release();
    for (const p of a.ports) expect(existsSync(join(tmpdir(), 'strongbox-ports', String(p)))).toBe(false);
  });

  it("takes over a dead process's lease and refuses a port in use", async () => {
    const [port] = (await reservePorts(1)).ports as [number];
    // pid 2**22 + 1 is above Linux's pid_max, so it names no live process.
    writeFileSync(join(tmpdir(), 'strongbox-ports', String(port)), String(2 ** 22 + 1));
    const again = await reserveExactPorts([port]);
    expect(again.ports).toEqual([port]);
    again.release();

    const srv = createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r()));
    try {
      const err = await reserveExactPorts([port]).catch((e: unknown) => e);
      expect((err as ClusterError).code).toBe('NO_FREE_PORT');
      expect(existsSync(join(tmpdir(), 'strongbox-ports', String(port)))).toBe(false);
    } finally {
      srv.close();
    }
  });
});
