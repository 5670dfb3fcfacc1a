/** Helpers of the benches that compare two things on this shared, noisy machine. */

/**
 * Runs `a` and `b` `rounds` times in the order a b b a a b ..., so that a drift of the machine
 * during the run (thermal, a neighbour's load, the JIT warming) falls on both alike.
 */
export async function alternate(rounds: number, a: () => Promise<void>, b: () => Promise<void>): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      await a();
      await b();
    } else {
      await b();
      await a();
    }
  }
}

/** The median (the mean of the middle two for an even count; 0 for none). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Runs every phase `rounds` times, reversing the order every other round (a b c, c b a, ...), so
 * that a drift of the machine falls on all of them alike.
 */
export async function alternateAll(rounds: number, phases: readonly (() => Promise<void>)[]): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? phases : [...phases].reverse();
    for (const phase of order) await phase();
  }
}
