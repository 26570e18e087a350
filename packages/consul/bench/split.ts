/**
 * Where the time of one call goes at one worker, strongbox against the raw `consul` client on a
 * fresh 3-server cluster: from the call to the start of its HTTP request ("pre", the client's work
 * before sending), from there to the end of the response ("wire": network and servers), and from
 * there to the caller's promise settling ("post"). Calls are sequential, in rounds of `ops` on each
 * side in turn (the order flipping every round); the first 4 rounds are not counted. Medians in µs.
 *
 *   node --import tsx packages/consul/bench/split.ts [put|get] [rounds] [ops]
 *
 * Defaults: put, 40 rounds, 25 ops. The store sends every call alone (ALONE), as at one worker anyway.
 */
import { channel } from 'node:diagnostics_channel';
import { consulRawTarget, storeTarget, type Target } from '@strongbox/bench';
import { startCluster } from '@strongbox/cluster';
import { createStore } from '@strongbox/core';
import { ALONE } from './rounds.js';

const [op = 'put', roundsArg = '40', opsArg = '25'] = process.argv.slice(2);
const rounds = Number(roundsArg);
const ops = Number(opsArg);
if ((op !== 'put' && op !== 'get') || !(rounds > 4 && ops > 0)) {
  console.error('usage: split.ts [put|get] [rounds > 4] [ops]');
  process.exit(2);
}

interface Split {
  pre: number[];
  wire: number[];
  post: number[];
}

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const cluster = await startCluster({ backend: 'consul', nodes: 3 });
try {
  const endpoints = [...cluster.endpoints];
  const sides: Record<'raw' | 'store', Target> = {
    raw: consulRawTarget(endpoints),
    store: storeTarget(
      await createStore({ backend: 'consul', endpoints, requestTimeoutMs: 10_000, ...ALONE }),
    ),
  };
  let started = 0;
  let finished = 0;
  const onStart = () => {
    started = performance.now();
  };
  const onFinish = () => {
    finished = performance.now();
  };
  channel('http.client.request.start').subscribe(onStart);
  channel('http.client.response.finish').subscribe(onFinish);
  const splits: Record<'raw' | 'store', Split> = {
    raw: { pre: [], wire: [], post: [] },
    store: { pre: [], wire: [], post: [] },
  };
  let n = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? (['store', 'raw'] as const) : (['raw', 'store'] as const)) {
        const target = sides[name];
        for (let i = 0; i < ops; i++) {
          const t0 = performance.now();
          if (op === 'put') await target.put(`split-${name}`, `v${n++}`);
          else await target.get(`split-${name}`);
          const t1 = performance.now();
          if (round < 4) continue;
          splits[name].pre.push(started - t0);
          splits[name].wire.push(finished - started);
          splits[name].post.push(t1 - finished);
        }
      }
    }
  } finally {
    channel('http.client.request.start').unsubscribe(onStart);
    channel('http.client.response.finish').unsubscribe(onFinish);
    await Promise.all(Object.values(sides).map((s) => s.close()));
  }
  for (const name of ['raw', 'store'] as const) {
    const s = splits[name];
    const us = (xs: number[]) => (median(xs) * 1000).toFixed(0);
    console.log(`${op} ×1 ${name}: pre ${us(s.pre)} µs, wire ${us(s.wire)} µs, post ${us(s.post)} µs`);
  }
} finally {
  await cluster.stop();
}
