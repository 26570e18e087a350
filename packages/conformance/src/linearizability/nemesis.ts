import type { RunClock } from './recorder.js';

/**
 * The faults a nemesis injects:
 * - `kill`: SIGKILL a random node, restart it after the fault interval;
 * - `kill-leader`: the same, aimed at the current leader;
 * - `pause`: SIGSTOP a random node (it keeps its sockets, as in a long GC pause), SIGCONT it later;
 * - `pause-leader`: the same, aimed at the current leader.
 */
export const nemesisKinds = ['kill', 'kill-leader', 'pause', 'pause-leader'] as const;
/** One of {@link nemesisKinds}. */
export type NemesisKind = (typeof nemesisKinds)[number];

/** The part of a `@strongbox/cluster` node a nemesis drives (a `ClusterNode` fits). */
export interface NemesisNode {
  readonly name: string;
  /** `running`, `paused`, `stopped`, `killed` or `exited`. */
  readonly state: string;
  kill(): Promise<void>;
  pause(): void | Promise<void>;
  resume(): void;
  /** Starts the node again with its data, and resolves once it answers. */
  restart(): Promise<void>;
}

/** The part of a `@strongbox/cluster` `Cluster` a nemesis drives (a `Cluster` fits). */
export interface NemesisCluster {
  readonly nodes: readonly NemesisNode[];
  /** The node that leads now, or undefined during an election. */
  leader(): Promise<NemesisNode | undefined>;
  /** Resolves once the cluster has a leader and a quorum write succeeds. */
  waitReady?(timeoutMs?: number): Promise<void>;
}

/** One fault on the timeline, on the run clock (nanoseconds, as the history's `time`). */
export interface FaultRecord {
  readonly kind: NemesisKind;
  /** The node it hit. */
  readonly node: string;
  /** Whether the node led when it was hit (always false for `kill` and `pause`, which aim at random). */
  readonly leader: boolean;
  /** When the fault began. */
  readonly start: number;
  /** When the node was back (restarted and answering, or resumed); absent if healing failed. */
  end?: number;
  /** Why healing failed, if it did. */
  error?: string;
}

/** Options of {@link runNemesis}. */
export interface NemesisOptions {
  readonly cluster: NemesisCluster;
  readonly kind: NemesisKind;
  readonly clock: RunClock;
  /** How long each fault lasts before it is healed. @default 3000 */
  readonly faultMs?: number;
  /** How long the cluster runs healthy between faults (and before the first). @default 2000 */
  readonly healMs?: number;
  readonly random?: () => number;
  /** Fires when the schedule should heal and end. */
  readonly signal: AbortSignal;
  /** Called when a fault starts and when it ends. */
  readonly onFault?: (fault: FaultRecord) => void;
}

/** How long to look for a leader before hitting a random node instead. */
const LEADER_WAIT_MS = 5_000;

/**
 * Alternates healthy and faulty intervals until `signal` fires, then heals what it broke; returns the fault
 * timeline. The waits here are the schedule itself, not synchronisation.
 */
export async function runNemesis(options: NemesisOptions): Promise<FaultRecord[]> {
  const { cluster, kind, clock, signal } = options;
  const random = options.random ?? Math.random;
  const faults: FaultRecord[] = [];
  while (!signal.aborted) {
    await sleep(options.healMs ?? 2_000, signal);
    if (signal.aborted) break;
    const target = await pickTarget(cluster, kind, random);
    if (target === undefined) continue;
    const fault: FaultRecord = { kind, node: target.node.name, leader: target.leader, start: clock.now() };
    try {
      if (kind === 'kill' || kind === 'kill-leader') await target.node.kill();
      else await target.node.pause();
    } catch (err) {
      fault.error = `could not inject: ${String(err)}`;
      fault.end = clock.now();
      faults.push(fault);
      options.onFault?.(fault);
      continue;
    }
    faults.push(fault);
    options.onFault?.(fault);
    // The fault lasts its interval even when the run is ending, so every fault is a whole one.
    await sleep(options.faultMs ?? 3_000);
    await heal(target.node, fault, clock);
    options.onFault?.(fault);
  }
  return faults;
}

/**
 * Brings every node back: resumes paused ones, restarts killed or crashed ones, then waits until the
 * cluster is ready. Run it after {@link runNemesis} and before the final reads.
 */
export async function healAll(cluster: NemesisCluster, readyTimeoutMs = 30_000): Promise<void> {
  for (const node of cluster.nodes) {
    if (node.state === 'paused') node.resume();
  }
  await Promise.all(
    cluster.nodes
      .filter((n) => n.state === 'killed' || n.state === 'exited' || n.state === 'stopped')
      .map((n) => n.restart()),
  );
  await cluster.waitReady?.(readyTimeoutMs);
}

async function heal(node: NemesisNode, fault: FaultRecord, clock: RunClock): Promise<void> {
  try {
    if (node.state === 'paused') node.resume();
    else if (node.state !== 'running') await node.restart();
    fault.end = clock.now();
  } catch (err) {
    fault.error = `could not heal: ${String(err)}`;
  }
}

async function pickTarget(
  cluster: NemesisCluster,
  kind: NemesisKind,
  random: () => number,
): Promise<{ node: NemesisNode; leader: boolean } | undefined> {
  const running = cluster.nodes.filter((n) => n.state === 'running');
  if (kind === 'kill-leader' || kind === 'pause-leader') {
    const deadline = Date.now() + LEADER_WAIT_MS;
    while (Date.now() < deadline) {
      const leader = await cluster.leader().catch(() => undefined);
      if (leader !== undefined && leader.state === 'running') return { node: leader, leader: true };
      await sleep(100);
    }
  }
  const node = running[Math.floor(random() * running.length)];
  return node === undefined ? undefined : { node, leader: false };
}

/** Waits `ms`, or less if `signal` fires first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
