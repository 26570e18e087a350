import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../src/checker/index.js';
import {
  HistoryFormatError,
  pairOperations,
  parseHistory,
  parseHistoryWithLines,
  serializeHistory,
  simulateHistory,
} from '../src/history/index.js';
import { historyEventSchema, isPlainValidEvent } from '../src/history/schema.js';

const lines = (...xs: unknown[]): string =>
  xs.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n');

function lineOfError(text: string): number {
  try {
    parseHistory(text);
  } catch (err) {
    expect(err).toBeInstanceOf(HistoryFormatError);
    return (err as HistoryFormatError).line;
  }
  throw new Error('expected a HistoryFormatError');
}

describe('parseHistory', () => {
  it('parses the documented example and keeps extra fields', () => {
    const events = parseHistory(
      lines(
        { process: 0, type: 'invoke', f: 'cas', key: 'k1', value: [1, 2], time: 12345 },
        { process: 0, type: 'info', f: 'cas', key: 'k1', time: 12400, error: 'TIMEOUT', node: 'n2' },
      ),
    );
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ type: 'info', error: 'TIMEOUT', node: 'n2' });
  });

  it('skips blank lines but reports real line numbers', () => {
    const text = lines(
      { process: 0, type: 'invoke', f: 'read', key: 'k', time: 1 },
      '',
      { process: 0, type: 'ok', f: 'read', key: 'k', value: null, time: 2 },
      '',
      { process: 0, type: 'ok', f: 'read', key: 'k', value: null, time: 3 },
    );
    expect(lineOfError(text)).toBe(5);
    expect(parseHistoryWithLines(text.split('\n').slice(0, 3).join('\n')).lines).toEqual([1, 3]);
  });

  const invoke = { process: 0, type: 'invoke', f: 'write', key: 'k', value: 1, time: 1 };
  const bad: Array<[string, string, number, RegExp]> = [
    ['bad JSON', lines(invoke, '{"process":'), 2, /not valid JSON/],
    ['an unknown type', lines({ ...invoke, type: 'done' }), 1, /type/],
    ['an unknown function', lines({ ...invoke, f: 'incr' }), 1, /f/],
    ['a missing time', lines({ process: 0, type: 'invoke', f: 'read', key: 'k' }), 1, /time/],
    ['a fractional value', lines({ ...invoke, value: 1.5 }), 1, /value/],
    ['a cas without [expected, new]', lines({ ...invoke, f: 'cas', value: 1 }), 1, /expected, new/],
    [
      'a write without a value',
      lines({ process: 0, type: 'invoke', f: 'write', key: 'k', time: 1 }),
      1,
      /value/,
    ],
    [
      'a read ok without the value read',
      lines(
        { process: 0, type: 'invoke', f: 'read', key: 'k', time: 1 },
        { process: 0, type: 'ok', f: 'read', key: 'k', time: 2 },
      ),
      2,
      /value read/,
    ],
    ['a second open invoke', lines(invoke, { ...invoke, time: 2 }), 2, /still open/],
    ['a completion without an invoke', lines({ ...invoke, type: 'ok' }), 1, /no open invoke/],
    [
      'a completion on another key',
      lines(invoke, { ...invoke, type: 'ok', key: 'j', time: 2 }),
      2,
      /does not match/,
    ],
    [
      'a completion before its invoke',
      lines({ ...invoke, time: 5 }, { ...invoke, type: 'ok', time: 4 }),
      2,
      /earlier/,
    ],
  ];
  for (const [name, text, line, why] of bad) {
    it(`rejects ${name} with its line number`, () => {
      expect(lineOfError(text)).toBe(line);
      expect(() => parseHistory(text)).toThrow(why);
    });
  }
});

describe('serializeHistory', () => {
  it('round-trips a simulated history', () => {
    const events = simulateHistory({ ops: 300, keys: 3, seed: 11 });
    const text = serializeHistory(events);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(events.length + 1);
    expect(parseHistory(text)).toEqual(events);
  });
});

describe('pairOperations', () => {
  it('classifies outcomes', () => {
    const ops = pairOperations(
      parseHistory(
        lines(
          { process: 0, type: 'invoke', f: 'cas', key: 'k', value: [1, 2], time: 1 },
          { process: 1, type: 'invoke', f: 'create', key: 'k', value: 3, time: 1 },
          { process: 2, type: 'invoke', f: 'write', key: 'k', value: 4, time: 1 },
          { process: 3, type: 'invoke', f: 'delete', key: 'k', time: 1 },
          { process: 4, type: 'invoke', f: 'read', key: 'k', time: 1 },
          { process: 0, type: 'fail', f: 'cas', key: 'k', time: 2 },
          { process: 1, type: 'fail', f: 'create', key: 'k', time: 2, error: 'UNAVAILABLE' },
          { process: 2, type: 'info', f: 'write', key: 'k', time: 2 },
          { process: 3, type: 'ok', f: 'delete', key: 'k', value: true, time: 2 },
        ),
      ),
    );
    expect(ops.map((o) => o.outcome)).toEqual(['lost', 'failed', 'unknown', 'ok', 'unknown']);
    expect(ops[3]).toMatchObject({ result: true, completeTime: 2, completeIndex: 8 });
    expect(ops[4]?.completeTime).toBeUndefined();
  });

  it('produces a linearizable-looking simulated history with every outcome', () => {
    const ops = pairOperations(
      simulateHistory({ ops: 2000, keys: 5, unknownRate: 0.1, failRate: 0.05, seed: 3 }),
    );
    expect(ops).toHaveLength(2000);
    const outcomes = new Set(ops.map((o) => o.outcome));
    expect([...outcomes].sort()).toEqual(['failed', 'lost', 'ok', 'unknown']);
  });
});

describe('docs/history-format.md', () => {
  it('has an example that parses and is linearizable', () => {
    const doc = readFileSync(new URL('../../../docs/history-format.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const events = parseHistory(example as string);
    expect(events).toHaveLength(8);
    expect(events[5]).toMatchObject({ type: 'info', node: 'n2' });
    expect(pairOperations(events).map((o) => o.outcome)).toEqual(['ok', 'ok', 'unknown', 'lost']);
    expect(checkHistory(events).verdict).toBe('ok');
  });
});

describe('isPlainValidEvent', () => {
  it('accepts only what the schema accepts, and most valid events', () => {
    const anyValue = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -3, max: 3 }),
      fc.double(),
      fc.string({ maxLength: 2 }),
      fc.tuple(fc.oneof(fc.integer(), fc.string(), fc.constant(null)), fc.oneof(fc.integer(), fc.boolean())),
      fc.array(fc.integer(), { maxLength: 3 }),
    );
    const event = fc.record(
      {
        process: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constantFrom('', 'n', 1.5)),
        type: fc.constantFrom('invoke', 'ok', 'fail', 'info', 'done'),
        f: fc.constantFrom('read', 'write', 'cas', 'create', 'delete', 'incr'),
        key: fc.oneof(fc.string({ maxLength: 2 }), fc.integer()),
        value: anyValue,
        time: fc.oneof(fc.nat(), fc.constantFrom(-1, 0.5, 2 ** 60)),
        error: anyValue,
        node: fc.string({ maxLength: 2 }),
      },
      { requiredKeys: ['process', 'type', 'f', 'key', 'time'] },
    );
    let fast = 0;
    fc.assert(
      fc.property(event, (e) => {
        const json: unknown = JSON.parse(JSON.stringify(e));
        const schemaOk = historyEventSchema.safeParse(json).success;
        if (isPlainValidEvent(json)) {
          fast++;
          expect(schemaOk).toBe(true);
        }
      }),
      { numRuns: 6000, seed: 3 },
    );
    expect(fast).toBeGreaterThan(60);
    for (const e of simulateHistory({ ops: 500, keys: 2, seed: 2 })) expect(isPlainValidEvent(e)).toBe(true);
  });
});
