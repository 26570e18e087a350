import type { Store } from '@strongbox/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeConsul, type FakeReply } from './fake-consul.js';
import { codeOf, open, until } from './helpers.js';

// Faults a real Consul cannot show on demand, through a fake HTTP server (see fake-consul.ts).
let fake: FakeConsul;
let second: FakeConsul;
const stores: Store[] = [];

beforeAll(async () => {
  fake = await FakeConsul.start();
  second = await FakeConsul.start();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  fake.seen.length = 0;
  second.seen.length = 0;
});
afterAll(async () => {
  await fake?.stop();
  await second?.stop();
});

async function store(endpoints = [fake.endpoint]): Promise<Store> {
  const s = await open(endpoints, { requestTimeoutMs: 2000 });
  stores.push(s);
  return s;
}

const txt = (status: number, body: string): FakeReply => ({ kind: 'status', status, body });

describe('consul error mapping', () => {
  it('a connection broken after the request arrived: writes INDETERMINATE, reads UNAVAILABLE, never resent', async () => {
    fake.reply = () => ({ kind: 'reset' });
    const s = await store();
    expect(await codeOf(s.put('k', 'v'))).toBe('INDETERMINATE');
    expect(fake.seen).toHaveLength(1);
    expect(await codeOf(s.get('k'))).toBe('UNAVAILABLE');
    expect(await codeOf(s.delete('k'))).toBe('INDETERMINATE');
    expect(await codeOf(s.transaction({ operations: [{ type: 'put', key: 'a', value: 'b' }] }))).toBe(
      'INDETERMINATE',
    );
    // Conditions alone write nothing: a read's error, never INDETERMINATE.
    expect(
      await codeOf(
        s.transaction({ conditions: [{ type: 'version', key: 'a', version: '7' }], operations: [] }),
      ),
    ).toBe('UNAVAILABLE');
    expect(fake.seen).toHaveLength(5);
  });

  it.each([
    [txt(500, 'No cluster leader'), 'UNAVAILABLE', 'UNAVAILABLE'],
    [txt(500, 'rpc error making call: No cluster leader'), 'UNAVAILABLE', 'UNAVAILABLE'],
    [
      txt(500, 'rpc error getting client: failed to get conn: dial tcp: connection refused'),
      'UNAVAILABLE',
      'UNAVAILABLE',
    ],
    [txt(500, 'rpc error making call: EOF'), 'INDETERMINATE', 'UNAVAILABLE'],
    [txt(500, 'leadership lost while committing log'), 'INDETERMINATE', 'UNAVAILABLE'],
    [txt(500, 'timed out enqueuing operation'), 'INDETERMINATE', 'UNAVAILABLE'],
    [txt(503, 'service unavailable'), 'INDETERMINATE', 'UNAVAILABLE'],
    [txt(403, 'ACL not found'), 'PERMISSION_DENIED', 'PERMISSION_DENIED'],
    [txt(403, 'Permission denied'), 'PERMISSION_DENIED', 'PERMISSION_DENIED'],
    [txt(413, 'Request body too large, max size: 524288 bytes'), 'VALUE_TOO_LARGE', 'VALUE_TOO_LARGE'],
    [txt(429, 'rate limit exceeded'), 'UNAVAILABLE', 'UNAVAILABLE'],
    [txt(400, 'Failed to parse body'), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'],
    [
      { kind: 'status', status: 200, body: '{not json', json: true } as FakeReply,
      'INDETERMINATE',
      'INTERNAL',
    ],
  ])('%j → write %s, read %s', async (reply, write, read) => {
    fake.reply = () => reply;
    const s = await store();
    expect(await codeOf(s.put('k', 'v'))).toBe(write);
    expect(await codeOf(s.get('k'))).toBe(read);
    expect(await codeOf(s.list('p/'))).toBe(read);
  });

  it('a 409 naming an ACL denial is PERMISSION_DENIED, not a lost comparison', async () => {
    fake.reply = () => ({
      kind: 'status',
      status: 409,
      json: true,
      body: JSON.stringify({ Results: null, Errors: [{ OpIndex: 0, What: 'Permission denied' }] }),
    });
    const s = await store();
    expect(await codeOf(s.putIfAbsent('k', 'v'))).toBe('PERMISSION_DENIED');
    expect(await codeOf(s.transaction({ conditions: [{ type: 'absent', key: 'k' }], operations: [] }))).toBe(
      'PERMISSION_DENIED',
    );
  });

  it('fails over to the next endpoint only when nothing was applied', async () => {
    fake.reply = () => txt(500, 'No cluster leader');
    second.reply = () => ({
      kind: 'status',
      status: 200,
      json: true,
      body: JSON.stringify({ Results: [{ KV: { Key: 'k', Value: null, ModifyIndex: 42 } }], Errors: null }),
    });
    const s = await store([fake.endpoint, second.endpoint]);
    expect(await s.put('k', 'v')).toEqual({ version: '42' });
    expect([fake.seen.length, second.seen.length]).toEqual([1, 1]);
    // The second endpoint is now the current one; an ambiguous failure there is not retried elsewhere.
    second.reply = () => ({ kind: 'reset' });
    expect(await codeOf(s.put('k', 'v'))).toBe('INDETERMINATE');
    expect([fake.seen.length, second.seen.length]).toEqual([1, 2]);
  });

  it('cancels the HTTP request when the call is aborted or its deadline passes', async () => {
    fake.reply = () => ({ kind: 'hang' });
    const s = await store();
    const controller = new AbortController();
    const closedBefore = fake.closedSockets;
    const read = s.get('k', { signal: controller.signal });
    await until('the request to arrive', 2000, async () => fake.seen.length === 1);
    controller.abort();
    expect(await codeOf(read)).toBe('ABORTED');
    await until('the socket to close', 2000, async () => fake.closedSockets > closedBefore);
    expect(await codeOf(s.get('k', { timeoutMs: 100 }))).toBe('TIMEOUT');
    expect(await codeOf(s.put('k', 'v', { timeoutMs: 100 }))).toBe('INDETERMINATE');
    await until('both sockets to close', 2000, async () => fake.closedSockets >= closedBefore + 3);
  });
});
