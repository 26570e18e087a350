import { median } from '@strongbox/bench';

/** What one side measured in each counted round, per call: wall time and this process's CPU, in µs. */
export interface RoundFigures {
  readonly wallUs: number[];
  readonly cpuUs: number[];
}

/**
 * Runs every side in turn, round after round: in a round each side runs `workers` concurrent
 * loops of `perWorker` calls, and the order rotates every round (with two sides it flips), so
 * drift of the machine hits every side alike. The first `warmRounds` rounds warm every side
 * (connections, JIT) and are not counted. Returns one {@link RoundFigures} per side, round by
 * round, so sides can be compared in pairs from the same round.
 */
export async function rotatingRounds(
  sides: readonly (() => Promise<unknown>)[],
  plan: {
    readonly workers: number;
    readonly rounds: number;
    readonly perWorker: number;
    readonly warmRounds: number;
  },
): Promise<RoundFigures[]> {
  const { workers, rounds, perWorker, warmRounds } = plan;
  const calls = workers * perWorker;
  const figures: RoundFigures[] = sides.map(() => ({ wallUs: [], cpuUs: [] }));
  for (let r = -warmRounds; r < rounds; r++) {
    const shift = ((r % sides.length) + sides.length) % sides.length;
    for (let i = 0; i < sides.length; i++) {
      const j = (i + shift) % sides.length;
      const op = sides[j] as () => Promise<unknown>;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: workers }, async () => {
          for (let k = 0; k < perWorker; k++) await op();
        }),
      );
      const cpu = process.cpuUsage(cpu0);
      if (r < 0) continue;
      const f = figures[j] as RoundFigures;
      f.wallUs.push(((performance.now() - t0) * 1000) / calls);
      f.cpuUs.push((cpu.user + cpu.system) / calls);
    }
  }
  return figures;
}

/**
 * The typical per-round difference `b − a` of two sides measured by {@link rotatingRounds}, with
 * the effect of running first or second taken out: the differences are averaged over each full
 * rotation (`sidesRun` consecutive rounds, in which every side held every place once) before the
 * median over rotations. The plain median of per-round differences is not that: when the side that
 * runs second pays a cost the first does not (the first side's garbage collected in its time, say),
 * half the differences are +x and half −x, and their median lands anywhere between. An A/A run
 * (the same side twice) showed exactly that: +10 µs per call at 64 workers.
 */
export function rotationMedian(a: readonly number[], b: readonly number[], sidesRun: number): number {
  const means: number[] = [];
  for (let start = 0; start + sidesRun <= Math.min(a.length, b.length); start += sidesRun) {
    let sum = 0;
    for (let r = start; r < start + sidesRun; r++) sum += (b[r] as number) - (a[r] as number);
    means.push(sum / sidesRun);
  }
  return median(means);
}

/**
 * Store config that sends every call alone, as before calls went together (up to 64 in flight):
 * the diagnosis scripts measure the cost of one call, not what grouping saves.
 */
export const ALONE = { consul: { readsInFlight: 64, writesInFlight: 64 } } as const;
