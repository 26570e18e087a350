import { randomBytes } from 'node:crypto';
import { isStoreError, type StoreError } from '@strongbox/core';
import * as zk from 'node-zookeeper-client';

/** A fresh key prefix (or znode root) per test. */
export const unique = (label: string) => `${label}-${randomBytes(5).toString('hex')}`;

/** A raw node-zookeeper-client session, to look at the znodes behind a store. */
export async function rawClient(
  endpoint: string,
  auth?: { username: string; password: string },
): Promise<zk.Client> {
  const client = zk.createClient(endpoint, { retries: 0, sessionTimeout: 10_000, spinDelay: 100 });
  if (auth) client.addAuthInfo('digest', Buffer.from(`${auth.username}:${auth.password}`));
  await new Promise<void>((resolve) => {
    client.once('connected', () => resolve());
    client.connect();
  });
  return client;
}

/**
 * A check-only multi on the raw client's session: a quorum write, so the client's server answers
 * later reads on that session only after applying every write committed before it.
 */
export function rawBarrier(client: zk.Client): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    client
      .transaction()
      .check('/', -1)
      .commit((err) => (err ? reject(err) : resolve())),
  );
}

/**
 * getData through a raw client: data and stat, or the ZooKeeper error code. A {@link rawBarrier}
 * goes first, so the read sees every write committed before the call (a plain getData may be
 * served by a follower that has not applied them yet).
 */
export async function rawGet(
  client: zk.Client,
  path: string,
): Promise<{ data: Buffer; stat: zk.Stat } | { code: number }> {
  await rawBarrier(client);
  return new Promise((resolve) => {
    client.getData(path, (err, data, stat) => {
      if (err) resolve({ code: (err as zk.Exception).getCode() });
      else resolve({ data, stat });
    });
  });
}

/** Polls `check` until it returns true or the deadline passes (then the last error is thrown). */
export async function eventually(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
}

/** The StoreError a promise rejects with (fails when it resolves or throws something else). */
export async function storeErrorOf(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    if (isStoreError(err)) return err;
    throw err;
  }
  throw new Error('expected a StoreError, the call succeeded');
}
