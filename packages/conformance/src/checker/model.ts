import type { Operation } from '../history/operations.js';
import type { Scalar, Value } from '../history/schema.js';

/*
 * The per-key register model, compiled for the search: values are interned to small integers (0 = absent), and
 * each operation becomes an opcode with its operands, so one step is a switch on integers with no allocation.
 */

/** Register state as the search sees it: 0 is absent, {@link OTHER} an unobserved value, n > 1 an observed one. */
export type State = number;

/** The state of any value that no operation of the key reads or compares against. */
export const OTHER = 1;

/** Returned by {@link step} when the operation cannot take effect in that state. */
export const ILLEGAL = -1;

// Opcodes. "Lost" is a cas/create that definitely returned false: it observed a mismatch and changed nothing.
export const READ = 0;
export const WRITE = 1;
export const CAS_OK = 2;
export const CAS_LOST = 3;
export const CAS_MAYBE = 4;
export const CREATE_OK = 5;
export const CREATE_LOST = 6;
export const CREATE_MAYBE = 7;
export const DELETE_PRESENT = 8;
export const DELETE_ABSENT = 9;
export const DELETE = 10;

/** The operations of one key, compiled. Index i of every array describes operation `ops[i]`. */
export interface CompiledKey {
  readonly ops: readonly Operation[];
  readonly code: Int32Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  /** 1 when the operation must be linearized (it surely happened), 0 when it may also never take effect. */
  readonly definite: Uint8Array;
  /**
   * Interned values: `values[s]` is the register content for state s > 1; 0 is absent and 1 ({@link OTHER}) is any
   * value no operation observes.
   */
  readonly values: readonly Value[];
}

/**
 * Compiles the operations of one key. Operations that surely did not happen, and reads whose outcome is unknown,
 * constrain nothing and are left out.
 */
export function compileKey(all: readonly Operation[]): CompiledKey {
  const ops = all.filter((op) => op.outcome !== 'failed' && !(op.outcome === 'unknown' && op.f === 'read'));
  const n = ops.length;
  const code = new Int32Array(n);
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const definite = new Uint8Array(n);
  // Only values some operation compares against (a read's result, a cas's expected value) need their own
  // state: every other written value is told apart by nothing, so they all share one state, OTHER. That merges
  // the orderings of concurrent unobserved writes, which would otherwise each be a configuration of their own.
  const values: Value[] = [null, null];
  const ids = new Map<Scalar, number>();
  const observe = (v: Value | boolean | undefined): void => {
    if (v === null || v === undefined || typeof v === 'boolean' || ids.has(v)) return;
    ids.set(v, values.length);
    values.push(v);
  };
  for (const op of ops) {
    if (op.f === 'read') observe(op.result);
    if (op.f === 'cas') observe((op.arg as readonly [Scalar, Scalar])[0]);
  }
  const intern = (v: Value): number => (v === null ? 0 : (ids.get(v) ?? OTHER));

  ops.forEach((op, i) => {
    const unknown = op.outcome === 'unknown';
    definite[i] = unknown ? 0 : 1;
    switch (op.f) {
      case 'read':
        code[i] = READ;
        a[i] = intern(op.result as Value);
        return;
      case 'write':
        code[i] = WRITE;
        a[i] = intern(op.arg as Scalar);
        return;
      case 'cas': {
        const [expected, next] = op.arg as readonly [Scalar, Scalar];
        code[i] = unknown ? CAS_MAYBE : op.outcome === 'lost' ? CAS_LOST : CAS_OK;
        a[i] = intern(expected);
        b[i] = intern(next);
        return;
      }
      case 'create':
        code[i] = unknown ? CREATE_MAYBE : op.outcome === 'lost' ? CREATE_LOST : CREATE_OK;
        a[i] = intern(op.arg as Scalar);
        return;
      case 'delete':
        code[i] = op.result === true ? DELETE_PRESENT : op.result === false ? DELETE_ABSENT : DELETE;
        return;
    }
  });
  return { ops, code, a, b, definite, values };
}

/**
 * Applies one compiled operation to a state: the next state, or {@link ILLEGAL} when what the operation observed
 * contradicts the state. Operations of unknown outcome never contradict: if their condition does not hold they
 * simply change nothing.
 */
export function step(key: CompiledKey, i: number, s: State): State {
  const a = key.a[i] as number;
  switch (key.code[i]) {
    case READ:
      return s === a ? s : ILLEGAL;
    case WRITE:
      return a;
    case CAS_OK:
      return s !== 0 && s === a ? (key.b[i] as number) : ILLEGAL;
    case CAS_LOST:
      return s === 0 || s !== a ? s : ILLEGAL;
    case CAS_MAYBE:
      return s !== 0 && s === a ? (key.b[i] as number) : s;
    case CREATE_OK:
      return s === 0 ? a : ILLEGAL;
    case CREATE_LOST:
      return s !== 0 ? s : ILLEGAL;
    case CREATE_MAYBE:
      return s === 0 ? a : s;
    case DELETE_PRESENT:
      return s !== 0 ? 0 : ILLEGAL;
    case DELETE_ABSENT:
      return s === 0 ? 0 : ILLEGAL;
    default:
      return 0;
  }
}

/**
 * The register's content after applying operations in order, with real values (the search's states merge
 * unobserved values). Used to report the state a violation contradicts; assumes the sequence is legal.
 */
export function replay(sequence: readonly Operation[]): Value {
  let s: Value = null;
  for (const op of sequence) {
    switch (op.f) {
      case 'write':
        s = op.arg as Scalar;
        break;
      case 'cas': {
        const [expected, next] = op.arg as readonly [Scalar, Scalar];
        if (op.outcome !== 'lost' && s !== null && s === expected) s = next;
        break;
      }
      case 'create':
        if (op.outcome !== 'lost' && s === null) s = op.arg as Scalar;
        break;
      case 'delete':
        s = null;
        break;
      default:
        break;
    }
  }
  return s;
}
