import { createServer } from 'node:net';
import { createStore, loadAdapter, StoreError } from '@strongbox/core';
import { Exception } from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import { castZkError } from '../src/errors.js';
import { checkMultiSize, MAX_REQUEST_BYTES } from '../src/size.js';

// The client builds its errors with Exception.create (not in the type declarations).
const zkError = (code: number) => (Exception as unknown as { create(code: number): Error }).create(code);

describe('castZkError', () => {
  const write = { write: true, sent: true };
  const unsent = { write: true, sent: false };
  const read = { write: false, sent: true };

  it('makes a write whose connection or session broke after sending INDETERMINATE', () => {
    for (const code of [Exception.CONNECTION_LOSS, Exception.SESSION_EXPIRED, Exception.OPERATION_TIMEOUT]) {
      expect(castZkError(zkError(code), write).code).toBe('INDETERMINATE');
      expect(castZkError(zkError(code), unsent).code).toBe('UNAVAILABLE');
      expect(castZkError(zkError(code), read).code).toBe('UNAVAILABLE');
    }
  });

  it('maps refusals the server answered to definite codes, even for writes', () => {
    expect(castZkError(zkError(Exception.NO_AUTH), write).code).toBe('PERMISSION_DENIED');
    expect(castZkError(zkError(Exception.AUTH_FAILED), write).code).toBe('PERMISSION_DENIED');
    expect(castZkError(zkError(Exception.INVALID_ACL), write).code).toBe('PERMISSION_DENIED');
    expect(castZkError(zkError(Exception.BAD_ARGUMENTS), write).code).toBe('INVALID_ARGUMENT');
    expect(castZkError(zkError(Exception.SYSTEM_ERROR), write).code).toBe('INTERNAL');
  });

  it('keeps the client error as cause and passes StoreErrors through', () => {
    const cause = zkError(Exception.NO_AUTH);
    const err = castZkError(cause, read);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.cause).toBe(cause);
    expect(err.backend).toBe('zookeeper');
    const own = new StoreError('CLOSED', 'closed');
    expect(castZkError(own, write)).toBe(own);
  });

  it('treats a non-ZooKeeper error after sending a write as INDETERMINATE, else INTERNAL', () => {
    expect(castZkError(new Error('boom'), write).code).toBe('INDETERMINATE');
    expect(castZkError(new Error('boom'), read).code).toBe('INTERNAL');
  });
});

describe('request size guard (jute.maxbuffer)', () => {
  it('refuses a write larger than jute.maxbuffer before sending, as VALUE_TOO_LARGE', () => {
    const data = Buffer.alloc(MAX_REQUEST_BYTES);
    expect(() =>
      checkMultiSize([{ type: 'set', path: '/strongbox/data/k', data, version: -1 }], 'write'),
    ).toThrow(expect.objectContaining({ code: 'VALUE_TOO_LARGE' }));
    expect(() =>
      checkMultiSize(
        [{ type: 'set', path: '/strongbox/data/k', data: Buffer.alloc(256 * 1024 + 1), version: -1 }],
        'write',
      ),
    ).not.toThrow();
  });

  it('refuses a list whose validation multi would exceed it, as UNSUPPORTED', () => {
    const checks = Array.from({ length: 20_000 }, (_, i) => ({
      type: 'check' as const,
      path: `/strongbox/data/${'k'.repeat(40)}${i}`,
      version: 1,
    }));
    expect(() => checkMultiSize(checks, 'list')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });
});

describe('opening', () => {
  it('is UNAVAILABLE when no server answers within connectTimeoutMs', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    // The first load of the adapter module is not part of connecting: load it before the clock starts.
    await loadAdapter('zookeeper');
    const started = Date.now();
    const err = await createStore({
      backend: 'zookeeper',
      endpoints: [`127.0.0.1:${port}`],
      connectTimeoutMs: 1000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('UNAVAILABLE');
    // Ignoring connectTimeoutMs would take the 5 s default.
    expect(Date.now() - started).toBeLessThan(4_500);
  });
});
