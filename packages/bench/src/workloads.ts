import type { Target } from './target.js';

/** The workloads, in report order. */
export const workloadNames = ['put', 'get', 'version-cas', 'value-cas', 'contended-cas', 'txn3'] as const;
/** One workload's name. */
export type WorkloadName = (typeof workloadNames)[number];

/** What each workload does per op, for the report. */
export const workloadDescriptions: Readonly<Record<WorkloadName, string>> = {
  put: 'unconditional write of the worker’s own key',
  get: 'linearizable read of the worker’s own key',
  'version-cas': 'putIfVersion on the worker’s own key with the version it last wrote (always wins)',
  'value-cas': 'compareAndSwap by value on the worker’s own key (always wins)',
  'contended-cas':
    'every worker putIfVersion on ONE key with the version it last saw (the payment race: one wins, the rest learn the winner)',
  txn3: '3-key transaction: every key still at the version last written, then all three written',
};

/** One worker's next operation; resolves to whether it won (conditional writes) or true. */
export type WorkerOp = () => Promise<boolean>;

/**
 * Seeds the keys of one run (untimed) and returns each worker's operation. `prefix` is unique per
 * run, so no run sees another's keys; keys use only [a-z0-9-], valid on every backend.
 */
export async function prepareWorkload(
  name: WorkloadName,
  target: Target,
  prefix: string,
  workers: number,
): Promise<WorkerOp[]> {
  const seed = async (key: string, value: string): Promise<string> => {
    await target.put(key, value);
    // Read the version back: a raw put may not return one (Consul's plain PUT answers `true`).
    const e = await target.get(key);
    if (e === undefined) throw new Error(`seeded key ${key} is not readable`);
    return e.version;
  };
  const ids = Array.from({ length: workers }, (_, i) => i);
  switch (name) {
    case 'put':
      return ids.map((i) => {
        let n = 0;
        return async () => {
          await target.put(`${prefix}-w${i}`, `v${++n}`);
          return true;
        };
      });
    case 'get': {
      await Promise.all(ids.map((i) => seed(`${prefix}-w${i}`, 'v0')));
      return ids.map((i) => async () => (await target.get(`${prefix}-w${i}`)) !== undefined);
    }
    case 'version-cas': {
      const versions = await Promise.all(ids.map((i) => seed(`${prefix}-w${i}`, 'v0')));
      return ids.map((i) => {
        const key = `${prefix}-w${i}`;
        let version = versions[i] as string;
        let n = 0;
        return async () => {
          const r = await target.putIfVersion(key, `v${++n}`, version);
          version = r.ok ? r.version : (r.current ?? version);
          return r.ok;
        };
      });
    }
    case 'value-cas': {
      await Promise.all(ids.map((i) => seed(`${prefix}-w${i}`, 'v0')));
      return ids.map((i) => {
        const key = `${prefix}-w${i}`;
        let n = 0;
        let last = 'v0';
        return async () => {
          const next = `v${++n}`;
          const ok = await target.compareAndSwap(key, last, next);
          if (ok) last = next;
          else last = (await target.get(key))?.value ?? last;
          return ok;
        };
      });
    }
    case 'contended-cas': {
      const key = `${prefix}-hot`;
      const start = await seed(key, 'v0');
      return ids.map((i) => {
        let version = start;
        let n = 0;
        return async () => {
          const r = await target.putIfVersion(key, `w${i}-${++n}`, version);
          version = r.ok ? r.version : (r.current ?? version);
          return r.ok;
        };
      });
    }
    case 'txn3': {
      const keys = ids.map((i) => [0, 1, 2].map((k) => `${prefix}-w${i}-k${k}`));
      // One worker's keys one after another: 3 × workers requests at once would pass Consul's
      // default limit of 200 connections per client address.
      const versions = await Promise.all(
        keys.map(async (ks) => {
          const vs: string[] = [];
          for (const k of ks) vs.push(await seed(k, 'v0'));
          return vs;
        }),
      );
      return ids.map((i) => {
        const ks = keys[i] as string[];
        let vs = versions[i] as string[];
        let n = 0;
        return async () => {
          n++;
          const out = await target.transaction(
            ks.map((key, j) => ({ key, value: `v${n}`, ifVersion: vs[j] as string })),
          );
          if (out) vs = [...out];
          else vs = await Promise.all(ks.map(async (k) => (await target.get(k))?.version ?? '0'));
          return out !== undefined;
        };
      });
    }
  }
}
