/**
 * The benchmark harness's own noise floor for Consul: the cells of `npm run bench -- consul` at one
 * worker, run through the same harness (A/B interleaved slices, the order flipping every repeat,
 * medians of 6 repeats) with chosen targets on the two sides, twice on one fresh cluster. With the
 * same kind of target on both sides (`sb-sb`, `raw-raw`) every ratio would be 100% without noise.
 * A side `raw+<µs>` is the raw client burning that much client CPU (a busy loop) after every call:
 * `raw+10-raw` shows what 10 µs of client work per call costs in throughput (the sensitivity that
 * strongbox's own per-call work meets).
 *
 *   node --import tsx packages/consul/bench/aa.ts <sb|raw|raw+µs>-<sb|raw|raw+µs> [workers] [slices] [workload,…] [passes]
 *
 * Defaults: 1 worker, the harness's 4 slices, put and version-cas, 2 passes.
 */
import {
  consulCounter,
  consulRawTarget,
  DEFAULT_SLICES,
  runBench,
  storeTarget,
  type Target,
  type WorkloadName,
  workloadNames,
} from '@strongbox/bench';
import { startCluster } from '@strongbox/cluster';
import { createStore } from '@strongbox/core';

const [
  mode = 'sb-raw',
  workersArg = '1',
  slicesArg = String(DEFAULT_SLICES),
  workloadsArg = 'put,version-cas',
  passesArg = '2',
] = process.argv.slice(2);
const sides = mode.split('-');
const burnOf = (side: string): number | undefined => {
  const m = /^raw\+(\d+)$/.exec(side);
  return m ? Number(m[1]) : undefined;
};
const workers = Number(workersArg);
const slices = Number(slicesArg);
const passes = Number(passesArg);
const workloads = workloadsArg.split(',') as WorkloadName[];
if (
  sides.length !== 2 ||
  !sides.every((s) => s === 'sb' || s === 'raw' || burnOf(s) !== undefined) ||
  !(workers > 0 && slices > 0 && passes > 0) ||
  !workloads.every((w) => (workloadNames as readonly string[]).includes(w))
) {
  console.error('usage: aa.ts <sb|raw|raw+µs>-<sb|raw|raw+µs> [workers] [slices] [workload,…] [passes]');
  process.exit(2);
}

/** `target` with `us` µs of busy client CPU after every call. */
function burning(target: Target, us: number): Target {
  const burn = <T>(value: T): T => {
    const until = performance.now() + us / 1000;
    while (performance.now() < until) {}
    return value;
  };
  return {
    kind: target.kind,
    put: (key, value) => target.put(key, value).then(burn),
    get: (key) => target.get(key).then(burn),
    putIfVersion: (key, value, version) => target.putIfVersion(key, value, version).then(burn),
    compareAndSwap: (key, expected, next) => target.compareAndSwap(key, expected, next).then(burn),
    transaction: (puts) => target.transaction(puts).then(burn),
    close: () => target.close(),
  };
}

const cluster = await startCluster({ backend: 'consul', nodes: 3 });
try {
  const endpoints = [...cluster.endpoints];
  const target = async (side: string): Promise<Target> => {
    if (side === 'sb')
      return storeTarget(await createStore({ backend: 'consul', endpoints, requestTimeoutMs: 10_000 }));
    const us = burnOf(side);
    return us === undefined ? consulRawTarget(endpoints) : burning(consulRawTarget(endpoints), us);
  };
  // The harness calls its sides strongbox and raw; here they are A and B.
  const targets = { strongbox: await target(sides[0] as string), raw: await target(sides[1] as string) };
  const counter = consulCounter(endpoints);
  try {
    for (let pass = 1; pass <= passes; pass++) {
      const cells = await runBench({
        targets,
        counter,
        plan: {
          workloads,
          workers: [workers],
          repeats: 6,
          runMs: 2000,
          maxOps: 4000,
          slices,
        },
      });
      for (const c of cells) {
        const runs = c.ratio.runs.map((r) => `${(r * 100).toFixed(0)}%`).join(' ');
        console.log(
          `${mode} ${slices} slices, pass ${pass} ${c.workload} ×${c.workers}: A/B ${(c.ratio.median * 100).toFixed(1)}% (${runs}), ` +
            `p50 ${c.strongbox.p50Ms.median.toFixed(2)} / ${c.raw.p50Ms.median.toFixed(2)} ms`,
        );
      }
    }
  } finally {
    counter.close();
    await Promise.allSettled([targets.strongbox.close(), targets.raw.close()]);
  }
} finally {
  await cluster.stop();
}
