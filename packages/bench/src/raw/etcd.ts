import { noop } from 'cockatiel';
import { Etcd3, type ICompare } from 'etcd3';
import type { GuardedPut, Target } from '../target.js';

/**
 * The raw etcd target: etcd3's low-level `kv` calls, one gRPC request each, exactly the requests a
 * careful hand-written client sends. Its retry and circuit-breaker policies are off (as in
 * strongbox), so the baseline pays for nothing strongbox does not also pay for.
 */
export function etcdRawTarget(endpoints: readonly string[]): Target {
  const client = new Etcd3({ hosts: [...endpoints], faultHandling: { global: noop, host: () => noop } });
  const kv = client.kv;
  const b = (s: string) => Buffer.from(s);
  const modEquals = (key: Buffer, rev: string): ICompare => ({
    key,
    target: 'Mod',
    result: 'Equal',
    mod_revision: rev,
  });
  return {
    kind: 'raw',
    put: async (key, value) => (await kv.put({ key: b(key), value: b(value) })).header.revision,
    get: async (key) => {
      // No `serializable`: etcd confirms leadership (ReadIndex) first, a linearizable read.
      const kvs = (await kv.range({ key: b(key) })).kvs;
      const e = kvs[0];
      return e === undefined ? undefined : { value: e.value.toString(), version: e.mod_revision };
    },
    putIfVersion: async (key, value, version) => {
      const k = b(key);
      // The failure branch reads the winner in the same round trip, as strongbox's contract asks.
      const res = await kv.txn({
        compare: [modEquals(k, version)],
        success: [{ request_put: { key: k, value: b(value) } }],
        failure: [{ request_range: { key: k } }],
      });
      if (res.succeeded) return { ok: true, version: res.header.revision };
      return { ok: false, current: res.responses[0]?.response_range.kvs[0]?.mod_revision };
    },
    compareAndSwap: async (key, expected, next) => {
      const k = b(key);
      const res = await kv.txn({
        compare: [{ key: k, target: 'Value', result: 'Equal', value: b(expected) }],
        success: [{ request_put: { key: k, value: b(next) } }],
        failure: [{ request_range: { key: k } }],
      });
      return res.succeeded;
    },
    transaction: async (puts: readonly GuardedPut[]) => {
      const res = await kv.txn({
        compare: puts.map((p) => modEquals(b(p.key), p.ifVersion)),
        success: puts.map((p) => ({ request_put: { key: b(p.key), value: b(p.value) } })),
      });
      return res.succeeded ? puts.map(() => res.header.revision) : undefined;
    },
    close: async () => client.close(),
  };
}
