/**
 * Resident set size once garbage is collected and the heap has settled: the median of a few readings
 * after full GCs (needs node --expose-gc), so a transient buffer does not count as held memory.
 */
export async function settledRss(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('settledRss needs node --expose-gc');
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    readings.push(process.memoryUsage.rss());
  }
  return readings.sort((a, b) => a - b)[2]!;
}
