/** The value at quantile `q` (0..1) of ascending `sorted`, by nearest rank; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The median of `values` (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * A figure measured several times: the median, and the smallest and largest run, so a reader
 * sees how much the repeats disagreed (the spread) next to the figure itself.
 */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every repeat, in run order. */
  readonly runs: readonly number[];
}

/** Summarizes repeated measurements of one figure. */
export function spread(runs: readonly number[]): Spread {
  const finite = runs.filter((r) => Number.isFinite(r));
  return {
    median: median(finite),
    min: finite.length === 0 ? Number.NaN : Math.min(...finite),
    max: finite.length === 0 ? Number.NaN : Math.max(...finite),
    runs: [...runs],
  };
}

/** The half-width of a spread relative to its median, e.g. 0.04 for ±4%; NaN for a zero median. */
export function relativeSpread(s: Spread): number {
  return s.median === 0 ? Number.NaN : (s.max - s.min) / 2 / Math.abs(s.median);
}
