import { randomBytes } from 'node:crypto';
import { createStore, type Store, type StoreConfig } from '@strongbox/core';

/** A fresh key prefix per test, so tests never share keys. */
export function prefix(): string {
  return `t/${randomBytes(6).toString('hex')}/`;
}

/** Opens a store on the given endpoints; the caller closes it. */
export function open(
  endpoints: readonly string[],
  extra: Omit<StoreConfig, 'backend' | 'endpoints'> = {},
): Promise<Store> {
  return createStore({ backend: 'consul', endpoints: [...endpoints], ...extra });
}

/** Polls `check` until it returns true or the deadline passes (no sleeps as synchronisation). */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
