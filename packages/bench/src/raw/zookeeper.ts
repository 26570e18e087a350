import { once } from 'node:events';
import type { Client, Stat } from 'node-zookeeper-client';
import * as zk from 'node-zookeeper-client';
import type { GuardedPut, Target } from '../target.js';

type Read = { data: Buffer; stat: Stat } | undefined;

function code(err: unknown): number | undefined {
  return typeof (err as { getCode?: unknown })?.getCode === 'function'
    ? (err as { getCode(): number }).getCode()
    : undefined;
}

/**
 * The raw ZooKeeper target: node-zookeeper-client on one session, one znode per key under
 * `root`. Reads are made linearizable the same way strongbox does it (a ZooKeeper read is served
 * by the connected server, which may lag): a `check` multi on the root goes through the leader and
 * the read is pipelined behind it, one round trip carrying two requests. A version-CAS is setData
 * with the version; a value-CAS reads then sets with the version read; a lost comparison re-reads
 * on the same session (current after a write through the leader); a transaction is one multi.
 * `plainReads` makes `get` a plain getData (served by the connected server alone, maybe stale):
 * not the same guarantee, only to show what linearizable reads cost.
 */
export async function zookeeperRawTarget(
  endpoints: readonly string[],
  root: string,
  options: { readonly plainReads?: boolean } = {},
): Promise<Target> {
  const client: Client = zk.createClient(endpoints.join(','), {
    sessionTimeout: 10_000,
    spinDelay: 100,
    retries: 0,
  });
  const connected = once(client, 'connected');
  client.connect();
  await connected;
  const path = (key: string) => `${root}/${key}`;
  const b = (s: string) => Buffer.from(s);

  const getData = (p: string) =>
    new Promise<Read>((resolve, reject) =>
      client.getData(p, (err, data, stat) => {
        if (!err) resolve({ data: data ?? Buffer.alloc(0), stat });
        else if (code(err) === zk.Exception.NO_NODE) resolve(undefined);
        else reject(err);
      }),
    );
  const setData = (p: string, data: Buffer, version: number) =>
    new Promise<Stat | undefined>((resolve, reject) =>
      client.setData(p, data, version, (err, stat) => {
        if (!err) resolve(stat);
        else if (code(err) === zk.Exception.BAD_VERSION || code(err) === zk.Exception.NO_NODE)
          resolve(undefined);
        else reject(err);
      }),
    );
  const create = (p: string, data: Buffer) =>
    new Promise<boolean>((resolve, reject) =>
      client.create(p, data, zk.CreateMode.PERSISTENT, (err) => {
        if (!err) resolve(true);
        else if (code(err) === zk.Exception.NODE_EXISTS) resolve(false);
        else reject(err);
      }),
    );
  /** A multi of version-guarded sets, or of one always-true check (the read barrier). */
  const multi = (ops: ReadonlyArray<{ path: string; data?: Buffer; version: number }>) => {
    const txn = client.transaction();
    // The client turns version 0 into -1 ("any") inside a multi; write the real one back.
    const queued = (txn as unknown as { ops: Array<{ version?: number }> }).ops;
    for (const op of ops) {
      if (op.data === undefined) txn.check(op.path, op.version);
      else txn.setData(op.path, op.data, op.version);
      const last = queued[queued.length - 1];
      if (last) last.version = op.version;
    }
    return new Promise<Array<{ stat?: Stat }> | undefined>((resolve, reject) =>
      txn.commit((err, results: Array<{ stat?: Stat }>) => {
        if (!err) resolve(results);
        else if (code(err) === zk.Exception.BAD_VERSION || code(err) === zk.Exception.NO_NODE)
          resolve(undefined);
        else reject(err);
      }),
    );
  };
  const freshRead = async (p: string): Promise<Read> => {
    const barrier = multi([{ path: root, version: -1 }]);
    const read = getData(p);
    read.catch(() => {});
    await barrier;
    return read;
  };

  if (!(await getData(root))) await create(root, Buffer.alloc(0));
  return {
    kind: 'raw',
    put: async (key, value) => {
      for (;;) {
        const stat = await setData(path(key), b(value), -1);
        if (stat) return String(stat.version);
        if (await create(path(key), b(value))) return '0';
      }
    },
    get: async (key) => {
      const r = await (options.plainReads ? getData(path(key)) : freshRead(path(key)));
      return r === undefined ? undefined : { value: r.data.toString(), version: String(r.stat.version) };
    },
    putIfVersion: async (key, value, version) => {
      const stat = await setData(path(key), b(value), Number(version));
      if (stat) return { ok: true, version: String(stat.version) };
      const r = await getData(path(key));
      return { ok: false, current: r === undefined ? undefined : String(r.stat.version) };
    },
    compareAndSwap: async (key, expected, next) => {
      let r = await getData(path(key));
      let fresh = false;
      for (;;) {
        if (r === undefined || r.data.toString() !== expected) {
          // A plain read may lag: confirm a mismatch on a linearizable read before reporting it.
          if (fresh) return false;
          r = await freshRead(path(key));
          fresh = true;
          continue;
        }
        if (await setData(path(key), b(next), r.stat.version)) return true;
        r = await getData(path(key));
        fresh = true;
      }
    },
    transaction: async (puts: readonly GuardedPut[]) => {
      const out = await multi(
        puts.map((p) => ({ path: path(p.key), data: b(p.value), version: Number(p.ifVersion) })),
      );
      return out?.map((r) => String(r.stat?.version));
    },
    close: async () => client.close(),
  };
}
