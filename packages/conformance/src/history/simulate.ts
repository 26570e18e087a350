import type { HistoryEvent, OpFunction, Scalar, Value } from './schema.js';

/** Options of {@link simulateHistory}. */
export interface SimulateOptions {
  /** Number of operations to invoke. @default 200 */
  readonly ops?: number;
  /** Number of concurrent clients (processes). @default 10 */
  readonly clients?: number;
  /** Number of keys, named `k0`, `k1`, … @default 1 */
  readonly keys?: number;
  /** Share of operations whose outcome is recorded as unknown (`info`); half of them take effect. @default 0.05 */
  readonly unknownRate?: number;
  /** Share of operations that fail with an error and do not take effect. @default 0.02 */
  readonly failRate?: number;
  /** Seed of the pseudo-random generator; the same seed gives the same history. @default 1 */
  readonly seed?: number;
}

/** A small seeded PRNG (mulberry32): histories must be reproducible from their seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface InFlight {
  f: OpFunction;
  key: string;
  arg: Scalar | [Scalar, Scalar] | null;
  phase: 'idle' | 'invoked' | 'applied';
  at: number;
  linAt: number;
  doneAt: number;
  fate: 'ok' | 'error' | 'unknown-applied' | 'unknown-lost';
  result?: Value | boolean;
  lostComparison?: boolean;
}

const FUNCTIONS: readonly OpFunction[] = [
  'read',
  'read',
  'read',
  'write',
  'write',
  'cas',
  'cas',
  'create',
  'delete',
];

/**
 * Records a history of clients running random operations against a simulated linearizable register, so
 * tests and benchmarks have realistic passing histories (concurrent, with failures and unknown outcomes)
 * without servers. Writes use globally unique integer values, as a real recorder's would.
 *
 * @example
 * const events = simulateHistory({ ops: 100_000, keys: 1000, clients: 10, seed: 7 });
 */
export function simulateHistory(options: SimulateOptions = {}): HistoryEvent[] {
  const { ops = 200, clients = 10, keys = 1, unknownRate = 0.05, failRate = 0.02, seed = 1 } = options;
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const state = new Map<string, Value>();
  const written: Scalar[] = [];
  const events: HistoryEvent[] = [];
  let nextValue = 1;
  let issued = 0;

  const plan = (now: number): InFlight => {
    const key = `k${Math.floor(rnd() * keys)}`;
    const f = pick(FUNCTIONS);
    let arg: InFlight['arg'] = null;
    if (f === 'write' || f === 'create') arg = nextValue++;
    if (f === 'cas') {
      const current = state.get(key) ?? null;
      const expected = current !== null && rnd() < 0.7 ? current : written.length > 0 ? pick(written) : 0;
      arg = [expected, nextValue++];
    }
    const at = now + Math.floor(rnd() * 50_000);
    const linAt = at + 1 + Math.floor(rnd() * 1_000_000);
    const doneAt = linAt + Math.floor(rnd() * 1_000_000);
    const r = rnd();
    const fate =
      r < unknownRate
        ? rnd() < 0.5
          ? 'unknown-applied'
          : 'unknown-lost'
        : r < unknownRate + failRate
          ? 'error'
          : 'ok';
    return { f, key, arg, phase: 'idle', at, linAt, doneAt, fate };
  };

  const apply = (op: InFlight): void => {
    const cur = state.get(op.key) ?? null;
    switch (op.f) {
      case 'read':
        op.result = cur;
        return;
      case 'write':
      case 'create':
        if (op.f === 'create' && cur !== null) {
          op.lostComparison = true;
          return;
        }
        state.set(op.key, op.arg as Scalar);
        written.push(op.arg as Scalar);
        return;
      case 'cas': {
        const [expected, next] = op.arg as [Scalar, Scalar];
        if (cur === null || cur !== expected) {
          op.lostComparison = true;
          return;
        }
        state.set(op.key, next);
        written.push(next);
        return;
      }
      case 'delete':
        op.result = cur !== null;
        state.set(op.key, null);
        return;
    }
  };

  const flights: Array<InFlight | undefined> = [];
  for (let p = 0; p < clients; p++) {
    flights.push(issued < ops ? plan(0) : undefined);
    if (issued < ops) issued++;
  }

  for (;;) {
    let best = -1;
    let bestTime = Number.POSITIVE_INFINITY;
    flights.forEach((op, p) => {
      if (op === undefined) return;
      const t = op.phase === 'idle' ? op.at : op.phase === 'invoked' ? op.linAt : op.doneAt;
      if (t < bestTime) {
        bestTime = t;
        best = p;
      }
    });
    if (best < 0) break;
    const op = flights[best] as InFlight;
    if (op.phase === 'idle') {
      const ev: HistoryEvent = { process: best, type: 'invoke', f: op.f, key: op.key, time: op.at };
      if (op.arg !== null) ev.value = op.arg;
      events.push(ev);
      op.phase = 'invoked';
      continue;
    }
    if (op.phase === 'invoked') {
      if (op.fate === 'ok' || op.fate === 'unknown-applied') apply(op);
      op.phase = 'applied';
      continue;
    }
    events.push(completion(best, op));
    if (issued < ops) {
      flights[best] = plan(op.doneAt);
      issued++;
    } else {
      flights[best] = undefined;
    }
  }
  return events;
}

function completion(process: number, op: InFlight): HistoryEvent {
  const base = { process, f: op.f, key: op.key, time: op.doneAt };
  if (op.fate === 'error') return { ...base, type: 'fail', error: 'UNAVAILABLE' };
  if (op.fate !== 'ok') return { ...base, type: 'info', error: 'TIMEOUT' };
  if (op.lostComparison) return { ...base, type: 'fail' };
  if (op.result !== undefined) return { ...base, type: 'ok', value: op.result };
  return { ...base, type: 'ok' };
}
