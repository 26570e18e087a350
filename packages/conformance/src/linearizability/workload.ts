import { isStoreError, type Store, toText } from '@strongbox/core';
import type { OpFunction, Value } from '../history/schema.js';
import type { Completion, InvokeArg, OpenOperation, Recorder } from './recorder.js';

/** How often each operation is chosen, relative to the others. */
export type OperationMix = Readonly<Record<OpFunction, number>>;

/** The default mix: enough reads to observe every write, enough cas to exercise comparisons. */
export const defaultMix: OperationMix = { read: 3, write: 2, cas: 3, create: 1, delete: 1 };

/** Options of the workload's clients. */
export interface WorkloadOptions {
  /** Keys in use at once; each client picks one at random per operation. @default 3 */
  readonly keys?: number;
  /** Operations on a key before it is retired for a fresh one, so each key's history stays checkable. @default 200 */
  readonly opsPerKey?: number;
  /** Every operation's deadline (`timeoutMs`), so a paused leader cannot hang a client. @default 2000 */
  readonly opTimeoutMs?: number;
  /** Each client waits a random 0..thinkMs between operations (0: none). @default 0 */
  readonly thinkMs?: number;
  /** Relative weights of the operations. @default {@link defaultMix} */
  readonly mix?: OperationMix;
}

/**
 * Error codes after which a write surely did not take effect (docs/contract.md): the checker may then drop it.
 * Anything else a write throws (INDETERMINATE, INTERNAL, a non-StoreError) leaves its outcome unknown.
 */
const DEFINITE_CODES = [
  'TIMEOUT',
  'UNAVAILABLE',
  'ABORTED',
  'CLOSED',
  'INVALID_ARGUMENT',
  'VALUE_TOO_LARGE',
  'PERMISSION_DENIED',
  'UNSUPPORTED',
] as const;

/** How long past its own deadline a call may run before the client gives up on it as hung. */
const GUARD_GRACE_MS = 2_000;

/** How many recently seen values per key feed the cas operations' expected values. */
const RECENT_VALUES = 4;

/**
 * The keys in use: a few at a time, each retired after `opsPerKey` operations for a fresh one. Short per-key
 * histories keep the checker's search small; many keys over a run still cover every fault window.
 */
export class KeySpace {
  readonly #active: string[] = [];
  readonly #uses = new Map<string, number>();
  readonly #recent = new Map<string, string[]>();
  #next = 0;

  constructor(
    private readonly prefix: string,
    size: number,
    private readonly opsPerKey: number,
    private readonly random: () => number,
  ) {
    for (let i = 0; i < size; i++) this.#active.push(this.#fresh());
  }

  /** Every key used so far, in order of first use. */
  get all(): string[] {
    return [...this.#uses.keys()];
  }

  /** A key for the next operation; counts the use and rotates the key out once it has had its share. */
  pick(): string {
    const slot = Math.floor(this.random() * this.#active.length);
    const key = this.#active[slot] as string;
    const uses = (this.#uses.get(key) ?? 0) + 1;
    this.#uses.set(key, uses);
    if (uses >= this.opsPerKey) this.#active[slot] = this.#fresh();
    return key;
  }

  /** Notes a value seen on or written to `key`, as a candidate expected value for cas. */
  saw(key: string, value: string): void {
    const list = this.#recent.get(key) ?? [];
    if (list.includes(value)) return;
    list.push(value);
    if (list.length > RECENT_VALUES) list.shift();
    this.#recent.set(key, list);
  }

  /** A recently seen value of `key` (most likely the current one), or a value never written. */
  expected(key: string): string {
    const list = this.#recent.get(key) ?? [];
    if (list.length === 0 || this.random() < 0.1) return 'never-written';
    // Favour the latest value: it is the one most likely to still be there.
    const i = this.random() < 0.6 ? list.length - 1 : Math.floor(this.random() * list.length);
    return list[i] as string;
  }

  #fresh(): string {
    const key = `${this.prefix}${this.#next++}`;
    this.#uses.set(key, 0);
    return key;
  }
}

/** What the clients share: the recorder, the keys, process ids, and the stop flag. */
export interface WorkloadContext {
  readonly recorder: Recorder;
  readonly keys: KeySpace;
  readonly random: () => number;
  /** Hands out a process id never used before in this run. */
  nextProcess(): number;
  /** True once the clients should finish their current operation and return. */
  stopped(): boolean;
}

/** One operation of a client, chosen but not yet run. */
interface Planned {
  readonly f: OpFunction;
  readonly key: string;
  readonly arg: InvokeArg;
  run(store: Store, opts: { timeoutMs: number; signal: AbortSignal }): Promise<Completion>;
}

/**
 * Runs one client on its own store handle until the context stops it. After an operation whose outcome is
 * unknown the client continues as a new process (the Jepsen rule): the old process may still have that
 * operation in flight, and a process has at most one operation open.
 */
export async function runClient(store: Store, ctx: WorkloadContext, options: WorkloadOptions): Promise<void> {
  const mix = options.mix ?? defaultMix;
  const opTimeoutMs = options.opTimeoutMs ?? 2_000;
  const thinkMs = options.thinkMs ?? 0;
  let process = ctx.nextProcess();
  let n = 0;
  while (!ctx.stopped()) {
    const op = plan(pickFunction(mix, ctx.random), ctx.keys.pick(), `${process}-${n++}`, ctx.keys);
    const open = ctx.recorder.invoke(process, op.f, op.key, op.arg);
    const outcome = await runGuarded(store, op, opTimeoutMs);
    open.complete(outcome);
    note(ctx.keys, open, op, outcome);
    if (outcome.type === 'info') {
      process = ctx.nextProcess();
      n = 0;
    }
    if (thinkMs > 0) await new Promise((r) => setTimeout(r, Math.floor(ctx.random() * (thinkMs + 1))));
  }
}

/** Reads `key` with a fresh view until a read succeeds or `deadline` (ms, `Date.now()`) passes. */
export async function finalRead(
  store: Store,
  key: string,
  process: number,
  recorder: Recorder,
  opTimeoutMs: number,
  deadline: number,
): Promise<boolean> {
  for (;;) {
    const op = plan('read', key, '', undefined);
    const open = recorder.invoke(process, 'read', key, undefined);
    const outcome = await runGuarded(store, op, opTimeoutMs);
    open.complete(outcome);
    if (outcome.type === 'ok') return true;
    if (Date.now() > deadline) return false;
    // Back off briefly: the cluster may still be electing after the last heal.
    await new Promise((r) => setTimeout(r, 200));
  }
}

function pickFunction(mix: OperationMix, random: () => number): OpFunction {
  const entries = Object.entries(mix) as Array<[OpFunction, number]>;
  let total = 0;
  for (const [, w] of entries) total += w;
  let x = random() * total;
  for (const [f, w] of entries) {
    x -= w;
    if (x < 0) return f;
  }
  return 'read';
}

function plan(f: OpFunction, key: string, value: string, keys: KeySpace | undefined): Planned {
  switch (f) {
    case 'read':
      return {
        f,
        key,
        arg: undefined,
        run: async (s, o) => {
          const e = await s.get(key, o);
          return { type: 'ok', value: e === undefined ? null : toText(e.value) };
        },
      };
    case 'write':
      return {
        f,
        key,
        arg: value,
        run: async (s, o) => {
          await s.put(key, value, o);
          return { type: 'ok' };
        },
      };
    case 'create':
      return {
        f,
        key,
        arg: value,
        run: async (s, o) => ((await s.putIfAbsent(key, value, o)).ok ? { type: 'ok' } : { type: 'fail' }),
      };
    case 'cas': {
      const expected = keys?.expected(key) ?? 'never-written';
      return {
        f,
        key,
        arg: [expected, value],
        run: async (s, o) =>
          (await s.compareAndSwap(key, expected, value, o)).ok ? { type: 'ok' } : { type: 'fail' },
      };
    }
    case 'delete':
      return {
        f,
        key,
        arg: undefined,
        run: async (s, o) => ({ type: 'ok', value: (await s.delete(key, o)).deleted }),
      };
  }
}

/**
 * Runs one call with its deadline, and a guard past it: an adapter that ignores its deadline must not stall the
 * run. A call the guard gives up on is unknown (a write) or failed (a read: it constrains nothing).
 */
async function runGuarded(store: Store, op: Planned, timeoutMs: number): Promise<Completion> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const call = op.run(store, { timeoutMs, signal: abort.signal }).then(
    (c) => c,
    (err: unknown) => classify(op.f, err),
  );
  const guard = new Promise<Completion>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve(
        op.f === 'read'
          ? { type: 'fail', error: 'HUNG: no answer past the deadline' }
          : { type: 'info', error: 'HUNG: no answer past the deadline' },
      );
    }, timeoutMs + GUARD_GRACE_MS);
  });
  try {
    return await Promise.race([call, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Maps an error to the history's terms: definite failures `fail`, everything else on a write `info`. */
export function classify(f: OpFunction, err: unknown): Completion {
  const code = isStoreError(err) ? err.code : undefined;
  const error = code ?? (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 200);
  // A read changes nothing, so a failed one constrains nothing, whatever the error.
  if (f === 'read') return { type: 'fail', error };
  if (isStoreError(err, ...DEFINITE_CODES)) return { type: 'fail', error };
  return { type: 'info', error };
}

/** Feeds what an operation saw or wrote back into the key space, so later cas operations can win. */
function note(keys: KeySpace, open: OpenOperation, op: Planned, outcome: Completion): void {
  if (outcome.type === 'ok' && open.f === 'read') {
    const v = (outcome as { value?: Value }).value;
    if (typeof v === 'string') keys.saw(open.key, v);
    return;
  }
  if (outcome.type === 'fail') return;
  // Written values, including unknown ones: an unknown write may well have applied.
  if (open.f === 'write' || open.f === 'create') keys.saw(open.key, op.arg as string);
  if (open.f === 'cas') keys.saw(open.key, (op.arg as readonly [string, string])[1]);
}
