import { HistoryFormatError } from './errors.js';
import type { HistoryEvent, OpFunction, Scalar, Value } from './schema.js';

/** The client that issued an operation. */
export type Process = number | string;

/**
 * How an operation ended, as far as the checker is concerned:
 * - `ok`: it happened, and its result (if any) is an observation to verify;
 * - `lost`: a cas or create that definitely returned false; it happened and observed a mismatch;
 * - `failed`: it definitely did not happen (a fail with an `error`, or a failed read/write/delete);
 * - `unknown`: an `info` completion or no completion at all; it happened once after its invocation, or never.
 */
export type Outcome = 'ok' | 'lost' | 'failed' | 'unknown';

/** One invocation paired with its completion. */
export interface Operation {
  /** Index in the array {@link pairOperations} returns (invocation order); stable for a given history. */
  readonly id: number;
  readonly process: Process;
  readonly key: string;
  readonly f: OpFunction;
  /** The invoke argument: the value for write/create, `[expected, new]` for cas, `null` for read/delete. */
  readonly arg: Scalar | readonly [Scalar, Scalar] | null;
  readonly outcome: Outcome;
  /** The observed result of an `ok`: a read's value, or delete's `true`/`false` (`undefined` when not observed). */
  readonly result: Value | boolean | undefined;
  readonly invokeTime: number;
  /** Completion time; `undefined` when the outcome is unknown (the operation may take effect arbitrarily late). */
  readonly completeTime: number | undefined;
  /** Index of the invoke event in the history. */
  readonly invokeIndex: number;
  /** Index of the completion event, if there was one. */
  readonly completeIndex: number | undefined;
}

/**
 * Pairs each invoke with its process's next completion and classifies the outcome.
 * Throws {@link HistoryFormatError} naming the line when a completion has no open invoke, a process opens a second
 * operation, a completion names another key or function, or it completes before it was invoked.
 *
 * @param lineOf maps an event index to its line in the file; defaults to index + 1.
 * @example
 * const ops = pairOperations(parseHistory(text));
 */
export function pairOperations(
  events: readonly HistoryEvent[],
  lineOf: (index: number) => number = (i) => i + 1,
): Operation[] {
  const ops: Operation[] = [];
  // process -> index of its open invoke event; opOf maps that event index to the op id.
  const open = new Map<Process, number>();
  const opOf = new Map<number, number>();
  const completions: Array<{ index: number; event: HistoryEvent } | undefined> = [];
  const invokes: number[] = [];

  events.forEach((e, i) => {
    const pending = open.get(e.process);
    if (e.type === 'invoke') {
      if (pending !== undefined) {
        throw new HistoryFormatError(
          `process ${JSON.stringify(e.process)} invokes ${e.f} while its ${events[pending]?.f} from line ${lineOf(pending)} is still open`,
          lineOf(i),
        );
      }
      open.set(e.process, i);
      opOf.set(i, invokes.length);
      invokes.push(i);
      completions.push(undefined);
      return;
    }
    if (pending === undefined) {
      throw new HistoryFormatError(
        `${e.type} for process ${JSON.stringify(e.process)} has no open invoke to complete`,
        lineOf(i),
      );
    }
    const inv = events[pending] as HistoryEvent;
    if (inv.f !== e.f || inv.key !== e.key) {
      throw new HistoryFormatError(
        `${e.type} ${e.f} on key ${JSON.stringify(e.key)} does not match the open ${inv.f} on key ${JSON.stringify(inv.key)} from line ${lineOf(pending)}`,
        lineOf(i),
      );
    }
    if (e.time < inv.time) {
      throw new HistoryFormatError(
        `${e.type} at time ${e.time} is earlier than its invoke at time ${inv.time} (line ${lineOf(pending)})`,
        lineOf(i),
      );
    }
    open.delete(e.process);
    completions[opOf.get(pending) as number] = { index: i, event: e };
  });

  for (let id = 0; id < invokes.length; id++) {
    const invIndex = invokes[id] as number;
    const inv = events[invIndex] as HistoryEvent;
    const done = completions[id];
    const c = done?.event;
    let outcome: Outcome = 'unknown';
    let result: Value | boolean | undefined;
    if (c?.type === 'ok') {
      outcome = 'ok';
      if (inv.f === 'read') result = c.value as Value;
      else if (inv.f === 'delete' && typeof c.value === 'boolean') result = c.value;
    } else if (c?.type === 'fail') {
      // A bare fail on a conditional operation is the comparison it lost; everything else that failed did not happen.
      outcome = (inv.f === 'cas' || inv.f === 'create') && c.error === undefined ? 'lost' : 'failed';
    }
    // One object literal with every field present, so all operations share one hidden class (the checker reads
    // these in its hot loops).
    ops.push({
      id,
      process: inv.process,
      key: inv.key,
      f: inv.f,
      arg: inv.f === 'read' || inv.f === 'delete' ? null : (inv.value as Scalar | [Scalar, Scalar]),
      outcome,
      result,
      invokeTime: inv.time,
      completeTime: c?.time,
      invokeIndex: invIndex,
      completeIndex: done?.index,
    });
  }
  return ops;
}
