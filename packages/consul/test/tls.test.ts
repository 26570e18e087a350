import { type ErrorCode, isStoreError, type Store, toText } from '@strongbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open, prefix } from './helpers.js';
import { startTlsConsul, type TlsConsul } from './tls-server.js';

// One Consul server over HTTPS that requires client certificates (see tls-server.ts for why it
// is not from startCluster).
let server: TlsConsul;
beforeAll(async () => {
  server = await startTlsConsul();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

async function codeOf(p: Promise<unknown>): Promise<ErrorCode | 'ok'> {
  try {
    const s = await p;
    if (s && typeof (s as Store).close === 'function') await (s as Store).close();
    return 'ok';
  } catch (err) {
    if (isStoreError(err)) return err.code;
    throw err;
  }
}

describe('consul over TLS', () => {
  it('works with the CA and a client certificate; endpoints become https', async () => {
    const { caFile, certFile, keyFile } = server.tls;
    const store = await open([server.endpoint], { consul: { tls: { caFile, certFile, keyFile } } });
    try {
      const p = prefix();
      const { version } = await store.put(`${p}k`, 'secret');
      const e = await store.get(`${p}k`);
      expect(e?.version).toBe(version);
      expect(toText(e?.value ?? new Uint8Array())).toBe('secret');
      expect(await store.compareAndSwap(`${p}k`, 'secret', 'next')).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });

  it('refuses to open without a trusted CA or without the client certificate', async () => {
    const t = server.tls;
    const quick = { connectTimeoutMs: 2000 };
    const untrusted = { caFile: t.otherCaFile, certFile: t.certFile, keyFile: t.keyFile };
    expect(await codeOf(open([server.endpoint], { ...quick, consul: { tls: untrusted } }))).toBe(
      'UNAVAILABLE',
    );
    expect(await codeOf(open([server.endpoint], { ...quick, consul: { tls: { caFile: t.caFile } } }))).toBe(
      'UNAVAILABLE',
    );
    expect(await codeOf(open([server.endpoint], quick))).toBe('UNAVAILABLE');
  });
});
