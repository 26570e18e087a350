import { z } from 'zod';

/** A register value: a JSON string or integer. Recorded writes use unique values so reads name their writer. */
export const scalarSchema = z
  .union([z.string(), z.number().int().refine(Number.isSafeInteger, 'integer values must be safe integers')])
  .describe('A register value: a JSON string or a safe integer.');

/** One value a register holds; `null` means the key is absent. */
export type Scalar = z.infer<typeof scalarSchema>;
/** What a read observes: a value, or `null` for absent. */
export type Value = Scalar | null;

/** The operations of the per-key register model. */
export const opFunctions = ['read', 'write', 'cas', 'create', 'delete'] as const;
/** One of the register's operations. */
export type OpFunction = (typeof opFunctions)[number];

/** The event kinds of a Jepsen-like history. `info` means the outcome is unknown. */
export const eventTypes = ['invoke', 'ok', 'fail', 'info'] as const;
/** One of the event kinds. */
export type EventType = (typeof eventTypes)[number];

/**
 * One line of a history file (docs/history-format.md). Unknown extra fields (`node`, `error`, …) are kept,
 * so a recorder can attach what it knows without a format change.
 */
export const historyEventSchema = z
  .looseObject({
    process: z
      .union([z.number().int().nonnegative(), z.string().min(1)])
      .describe('The client that issued the operation; it has at most one operation open at a time.'),
    type: z.enum(eventTypes).describe('invoke, ok, fail or info (outcome unknown).'),
    f: z.enum(opFunctions).describe('The operation: read, write, cas, create or delete.'),
    key: z.string().describe('The key the operation touches; keys are checked independently.'),
    value: z
      .union([scalarSchema, z.null(), z.boolean(), z.tuple([scalarSchema, scalarSchema])])
      .optional()
      .describe(
        'The argument on invoke, the result on ok: a scalar, null (absent), a boolean or [expected, new].',
      ),
    time: z
      .number()
      .int()
      .nonnegative()
      .refine(Number.isSafeInteger, 'time must be a safe integer')
      .describe('A monotonic clock reading in nanoseconds.'),
    error: z
      .unknown()
      .optional()
      .describe('On fail: the operation definitely did not happen. On info: why the outcome is unknown.'),
  })
  .superRefine((e, ctx) => {
    const problem = valueProblem(e.type, e.f, e.value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  });

/** One event of a history, as parsed: the fields above plus any extra ones the recorder added. */
export type HistoryEvent = z.infer<typeof historyEventSchema>;

const isScalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number';

/** Says what is wrong with `value` for this event kind and operation, or undefined when it fits. */
export function valueProblem(type: EventType, f: OpFunction, value: unknown): string | undefined {
  if (type === 'invoke') {
    switch (f) {
      case 'read':
      case 'delete':
        return value === undefined || value === null
          ? undefined
          : `${f} invoke takes no value, got ${show(value)}`;
      case 'write':
      case 'create':
        return isScalar(value)
          ? undefined
          : `${f} invoke needs a string or integer value, got ${show(value)}`;
      case 'cas':
        return Array.isArray(value) ? undefined : `cas invoke needs [expected, new], got ${show(value)}`;
    }
  }
  if (type !== 'ok') return undefined;
  switch (f) {
    case 'read':
      return value === null || isScalar(value)
        ? undefined
        : `read ok needs the value read (null for absent), got ${show(value)}`;
    case 'delete':
      return value === undefined || value === null || typeof value === 'boolean'
        ? undefined
        : `delete ok takes true (was present), false (was absent) or nothing, got ${show(value)}`;
    default:
      // write, cas and create carry no result; Jepsen-style recorders echo the argument, which is kept but not read.
      return undefined;
  }
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

const TYPES: ReadonlySet<unknown> = new Set(eventTypes);
const FUNCTIONS: ReadonlySet<unknown> = new Set(opFunctions);
const KNOWN = new Set(['process', 'type', 'f', 'key', 'value', 'time', 'error']);
const isValueScalar = (v: unknown): boolean => typeof v === 'string' || Number.isSafeInteger(v);

/**
 * A fast check for the common case, so parsing a 100k-operation file does not pay for a full schema run per
 * line. It accepts only what {@link historyEventSchema} accepts (a property test holds it to that); anything
 * it rejects goes through the schema, which stays the one authority and writes the error message.
 */
export function isPlainValidEvent(x: unknown): x is HistoryEvent {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const e = x as Record<string, unknown>;
  const p = e.process;
  if (!((Number.isSafeInteger(p) && (p as number) >= 0) || (typeof p === 'string' && p.length > 0)))
    return false;
  if (!TYPES.has(e.type) || !FUNCTIONS.has(e.f) || typeof e.key !== 'string') return false;
  if (!Number.isSafeInteger(e.time) || (e.time as number) < 0) return false;
  const v = e.value;
  const shapeOk =
    v === undefined ||
    v === null ||
    typeof v === 'boolean' ||
    isValueScalar(v) ||
    (Array.isArray(v) && v.length === 2 && isValueScalar(v[0]) && isValueScalar(v[1]));
  if (!shapeOk) return false;
  // Extra fields are kept as they are; the known ones must not be present-but-undefined (JSON cannot say so).
  for (const k in e) if (KNOWN.has(k) && e[k] === undefined) return false;
  return valueProblem(e.type as EventType, e.f as OpFunction, v) === undefined;
}
