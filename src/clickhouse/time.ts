/** ClickHouse DateTime64(3) parameter text for a UTC instant. */
export function toClickHouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * The whole hours inside [fromMs, toMs): the hourly rollups serve these, the raw tables the edges. When no
 * whole hour fits, both bounds collapse to fromMs and the raw tables serve the whole window.
 */
export function wholeHours(fromMs: number, toMs: number): { fromMs: number; toMs: number } {
  const HOUR = 3_600_000;
  const start = Math.ceil(fromMs / HOUR) * HOUR;
  const end = Math.floor(toMs / HOUR) * HOUR;
  return start < end ? { fromMs: start, toMs: end } : { fromMs, toMs: fromMs };
}
