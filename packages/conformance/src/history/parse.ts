import { HistoryFormatError } from './errors.js';
import { pairOperations } from './operations.js';
import { type HistoryEvent, historyEventSchema, isPlainValidEvent } from './schema.js';

/** A parsed history with, for each event, the 1-based line it came from (blank lines are skipped). */
export interface ParsedHistory {
  readonly events: HistoryEvent[];
  readonly lines: number[];
}

/**
 * Parses a JSON Lines history (docs/history-format.md) and checks that its events pair up.
 * Throws {@link HistoryFormatError} with the line number of the first bad line.
 *
 * @example
 * const events = parseHistory(readFileSync('history.jsonl', 'utf8'));
 */
export function parseHistory(text: string): HistoryEvent[] {
  return parseHistoryWithLines(text).events;
}

/** {@link parseHistory}, also returning the line of each event so later reports can point into the file. */
export function parseHistoryWithLines(text: string): ParsedHistory {
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const line = (raw[i] as string).trim();
    if (line === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new HistoryFormatError(`not valid JSON: ${(err as Error).message}`, i + 1, { cause: err });
    }
    if (isPlainValidEvent(json)) {
      events.push(json);
      lines.push(i + 1);
      continue;
    }
    const parsed = historyEventSchema.safeParse(json);
    if (!parsed.success) {
      const why = parsed.error.issues
        .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'event'}: ${issue.message}`)
        .join('; ');
      throw new HistoryFormatError(why, i + 1, { cause: parsed.error });
    }
    events.push(parsed.data);
    lines.push(i + 1);
  }
  pairOperations(events, (index) => lines[index] ?? index + 1);
  return { events, lines };
}

/**
 * Writes events as JSON Lines, one per line with a trailing newline; {@link parseHistory} reads it back unchanged.
 *
 * @example
 * writeFileSync('history.jsonl', serializeHistory(events));
 */
export function serializeHistory(events: readonly HistoryEvent[]): string {
  let out = '';
  for (const e of events) out += `${JSON.stringify(e)}\n`;
  return out;
}
