import { type Channel, channel } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { createRequire } from 'node:module';

/**
 * Counts the requests clients send to one cluster, so round trips per op are measured, not
 * assumed. `count()` is cumulative; the runner takes the difference around a run.
 */
export interface RoundTripCounter {
  /** How the count is taken, for the report. */
  readonly method: string;
  count(): Promise<number>;
  close(): void;
}

/**
 * etcd: the servers' own Prometheus counter `grpc_server_handled_total` for the KV service
 * (Range, Put, Txn, …), summed over every member's `/metrics`. Exact: nothing but the benchmark
 * calls the KV service during a run (the cluster's readiness probes use it only while starting),
 * and member-to-member Raft traffic is not gRPC.
 */
export function etcdCounter(endpoints: readonly string[]): RoundTripCounter {
  return {
    method: 'etcd /metrics grpc_server_handled_total{grpc_service="etcdserverpb.KV"}, summed over members',
    async count() {
      let total = 0;
      for (const e of endpoints) {
        const text = await (await fetch(`http://${e}/metrics`)).text();
        for (const line of text.split('\n')) {
          if (
            line.startsWith('grpc_server_handled_total{') &&
            line.includes('grpc_service="etcdserverpb.KV"')
          )
            total += Number(line.slice(line.lastIndexOf(' ') + 1));
        }
      }
      return total;
    },
    close() {},
  };
}

/**
 * Consul: every HTTP request this process starts to one of the cluster's HTTP ports, seen on Node's
 * `http.client.request.start` diagnostics channel. Both clients use keep-alive agents, so one
 * request is one round trip. Exact and client-side: Consul's own HTTP metrics are sampled per
 * interval, not counters one can read before and after.
 */
export function consulCounter(endpoints: readonly string[]): RoundTripCounter {
  const hosts = new Set(endpoints);
  let n = 0;
  const ch: Channel = channel('http.client.request.start');
  const onRequest = (message: unknown) => {
    const req = (message as { request: ClientRequest }).request;
    if (hosts.has(String(req.getHeader('host')))) n++;
  };
  ch.subscribe(onRequest);
  return {
    method: 'HTTP requests to the cluster, counted on the diagnostics channel http.client.request.start',
    count: async () => n,
    close: () => ch.unsubscribe(onRequest),
  };
}

/**
 * ZooKeeper request types that are housekeeping, not the caller's work. `exists` is strongbox's only
 * for opening a store (does the root exist?) and for its connection probe, sent about once a second
 * by every open store (packages/zookeeper/src/index.ts and connection.ts); no store call and no raw
 * bench target sends it. Should a call ever use `exists`, it must leave this set.
 */
const HOUSEKEEPING = new Set([
  11 /* ping */, 100 /* auth */, 101 /* setWatches */, -11 /* closeSession */, 3 /* exists: open and probe */,
]);
let zkRequests = 0;
let zkHooked = false;

/**
 * ZooKeeper: every request node-zookeeper-client queues for sending (one per getData, setData,
 * multi, …; pings, auth and the stores' exists probes excluded), counted by wrapping its
 * ConnectionManager's `queue` once for the process. Client-side because the server's
 * `mntr packets_received` also counts every session's pings. A linearizable read is two requests
 * (barrier + read) pipelined in one round trip.
 */
export function zookeeperCounter(): RoundTripCounter {
  if (!zkHooked) {
    const require = createRequire(import.meta.url);
    // The same module instance the adapter loads: one hoisted copy of the client.
    const cm = require('node-zookeeper-client/lib/ConnectionManager.js') as {
      prototype: { queue: (this: unknown, request: { header?: { type?: number } }, cb?: unknown) => unknown };
    };
    const original = cm.prototype.queue;
    cm.prototype.queue = function (this: unknown, request, cb) {
      if (!HOUSEKEEPING.has(request.header?.type ?? 0)) zkRequests++;
      return original.call(this, request, cb);
    };
    zkHooked = true;
  }
  return {
    method: 'requests queued by node-zookeeper-client (pings, auth, exists probes excluded)',
    count: async () => zkRequests,
    close() {},
  };
}

/** For stores with no server (the memory store): counts nothing. */
export function noCounter(): RoundTripCounter {
  return { method: 'none (no server)', count: async () => 0, close() {} };
}
