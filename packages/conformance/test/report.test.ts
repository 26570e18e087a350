import { describe, expect, it } from 'vitest';
import { checkHistory } from '../src/checker/index.js';
import { type HistoryEvent, simulateHistory } from '../src/history/index.js';
import { renderHtmlReport } from '../src/report/index.js';

/** A simulated history with one read on `key` corrupted to a value nobody wrote. */
function corrupted(events: HistoryEvent[], key: string): HistoryEvent[] {
  const copy = events.slice();
  const i = copy.findIndex(
    (e, n) => n > copy.length / 3 && e.type === 'ok' && e.f === 'read' && e.key === key,
  );
  copy[i] = { ...(copy[i] as HistoryEvent), value: '<script>alert(1)</script>' };
  return copy;
}

const count = (html: string, re: RegExp): number => html.match(re)?.length ?? 0;

describe('renderHtmlReport', () => {
  const events = corrupted(simulateHistory({ ops: 300, keys: 3, clients: 4, seed: 5 }), 'k2');
  const result = checkHistory(events);
  const faults = [
    { start: 2_000_000, end: 6_000_000, kind: 'kill', node: 'n1' },
    { start: 20_000_000, kind: 'partition' },
  ];
  const html = renderHtmlReport({ history: events, result, faults, title: 'run <42>' });

  it('is one self-contained document', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import/);
    expect(html).toContain('<title>run &lt;42&gt;</title>');
  });

  it('draws a section per key with one lane per process and one bar per operation', () => {
    expect(result.verdict).toBe('illegal');
    for (const k of result.keys) expect(html).toContain(`data-key="${k.key}" data-verdict="${k.verdict}"`);
    expect(count(html, /<section class="key"/g)).toBe(3);
    expect(count(html, /<div class="lane" data-process=/g)).toBe(3 * 4);
    expect(count(html, /class="op [^"]*" data-op=/g)).toBe(300);
    expect(html).toMatch(/class="op ok[^"]*"/);
    expect(html).toMatch(/class="op fail lost[^"]*"/);
    expect(html).toMatch(/class="op info[^"]*"/);
  });

  it('puts the violating key first and marks its prefix and unplaceable operation', () => {
    const first = html.indexOf('<section class="key"');
    expect(html.slice(first, first + 200)).toContain('data-key="k2" data-verdict="illegal"');
    const v = result.keys.find((k) => k.key === 'k2')?.violation;
    expect(v).toBeDefined();
    expect(html).toContain(`data-op="${v?.unplaceable.id}"`);
    expect(count(html, /class="op [^"]*unplaceable[^"]*"/g)).toBe(1);
    expect(count(html, /class="op [^"]*in-prefix[^"]*"/g)).toBe(v?.longestPrefix.length);
    expect(count(html, /<ol class="prefix"><li>/g)).toBe(1);
    // The corrupted value is shown escaped, never as markup.
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('shades fault intervals that overlap a key', () => {
    expect(count(html, /<div class="fault" data-kind="kill"/g)).toBe(3);
    expect(count(html, /<div class="fault" data-kind="partition"/g)).toBe(3);
  });

  it('stays small for a large history by summarizing passing keys and capping operations', () => {
    const big = simulateHistory({ ops: 20_000, keys: 50, clients: 10, seed: 8 });
    const bigResult = checkHistory(big);
    expect(bigResult.verdict).toBe('ok');
    const page = renderHtmlReport({ history: big, result: bigResult, maxPassingKeys: 3, maxOpsPerKey: 100 });
    expect(count(page, /<section class="key"/g)).toBe(3);
    expect(count(page, /<tr data-key=/g)).toBe(50);
    expect(count(page, /class="op [^"]*" data-op=/g)).toBe(300);
    expect(page).toContain('47 more linearizable keys');
    expect(page).toMatch(/Showing 100 of \d+ operations/);
    expect(page.length).toBeLessThan(400_000);
  });
});
