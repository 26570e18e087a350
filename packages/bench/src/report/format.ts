import type { Spread } from '../stats.js';

/** A number with sensible precision for a table: 12345 → "12345", 12.34 → "12.3", 0.1234 → "0.123". */
export function num(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

/** Milliseconds as "850 ms" or "1.25 s". */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A spread as "median (min–max)"; just the median when every repeat agreed or there was one. */
export function withSpread(s: Spread, fmt: (n: number) => string = num): string {
  if (s.runs.length <= 1 || s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** A ratio as a percentage: 0.973 → "97%". */
export function percent(n: number): string {
  return Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : '–';
}

/** A spread of ratios as "97% (93–101%)". */
export function ratioSpread(s: Spread): string {
  if (s.runs.length <= 1) return percent(s.median);
  return `${percent(s.median)} (${(s.min * 100).toFixed(0)}–${percent(s.max)})`;
}

/** Plain-text table with right-aligned columns after the first two. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
