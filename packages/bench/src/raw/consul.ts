import Consul from 'consul';
import type { GuardedPut, Target } from '../target.js';

interface KvItem {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
}

/** The part of the untyped-enough `consul` client this target calls. */
interface Client {
  kv: {
    get(opts: { key: string; consistent: boolean }): Promise<KvItem | null | undefined>;
    set(opts: { key: string; value: string; cas?: number }): Promise<boolean>;
  };
  transaction: { create(ops: readonly object[]): Promise<{ Results?: Array<{ KV: KvItem }> }> };
  destroy(): void;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Whether an error is Consul's 409: a transaction whose check failed (an answer, not a fault). */
function isConflict(err: unknown): boolean {
  return (err as { response?: { statusCode?: number } }).response?.statusCode === 409;
}

/**
 * The raw Consul target: the `consul` client over one keep-alive agent, to the first endpoint (as
 * strongbox). Reads are `consistent` (the linearizable mode strongbox uses). Writes that must
 * return the new ModifyIndex go through `/v1/txn`, since only a transaction answers with it: an
 * unconditional put is one `set` op, a version-CAS one `cas` op. A value-CAS must read the index
 * first, since Consul cannot compare values; a lost comparison reads the winner, as strongbox does.
 * `plainPut` makes `put` a plain `PUT /v1/kv` instead, Consul's cheapest write, which answers only
 * `true`: not the same guarantee (no version), only to show what returning the version costs.
 */
export function consulRawTarget(
  endpoints: readonly string[],
  options: { readonly plainPut?: boolean } = {},
): Target {
  const [host, port] = (endpoints[0] ?? '127.0.0.1:8500').split(':');
  const client = new Consul({ host: host as string, port: Number(port) }) as unknown as Client;
  const read = (key: string) => client.kv.get({ key, consistent: true });
  const txn = async (ops: readonly object[]): Promise<KvItem[] | undefined> => {
    try {
      return ((await client.transaction.create(ops)).Results ?? []).map((r) => r.KV);
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
  };
  return {
    kind: 'raw',
    put: async (key, value) => {
      if (options.plainPut) {
        await client.kv.set({ key, value });
        return '';
      }
      const out = await txn([{ KV: { Verb: 'set', Key: key, Value: b64(value) } }]);
      return String(out?.[0]?.ModifyIndex);
    },
    get: async (key) => {
      const e = await read(key);
      if (!e) return undefined;
      return { value: e.Value ?? '', version: String(e.ModifyIndex) };
    },
    putIfVersion: async (key, value, version) => {
      const out = await txn([{ KV: { Verb: 'cas', Key: key, Value: b64(value), Index: Number(version) } }]);
      if (out?.[0]) return { ok: true, version: String(out[0].ModifyIndex) };
      const current = await read(key);
      return { ok: false, current: current ? String(current.ModifyIndex) : undefined };
    },
    compareAndSwap: async (key, expected, next) => {
      for (;;) {
        const current = await read(key);
        if (!current || (current.Value ?? '') !== expected) return false;
        if (await client.kv.set({ key, value: next, cas: current.ModifyIndex })) return true;
        // Lost a race on the index: the value may still match; read again, as strongbox does.
      }
    },
    transaction: async (puts: readonly GuardedPut[]) => {
      // `cas` is itself conditional: one op per key is the whole transaction.
      const out = await txn(
        puts.map((p) => ({
          KV: { Verb: 'cas', Key: p.key, Value: b64(p.value), Index: Number(p.ifVersion) },
        })),
      );
      return out?.map((e) => String(e.ModifyIndex));
    },
    close: async () => client.destroy(),
  };
}
