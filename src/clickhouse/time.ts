/**
 * The instants a DateTime64(3) holds. Outside them ClickHouse clamps a value silently (a window in 1800 reads
 * 1900), and a year past 9999 made the embedded engine crash; windows are checked against these before any
 * query (checkWindow in src/report/window.ts).
 */
export const EARLIEST_TIME_MS = Date.UTC(1900, 0, 1);
export const LATEST_TIME_MS = Date.UTC(2300, 0, 1) - 1;
export const TIME_RANGE_TEXT = '1900-01-01 to 2299-12-31';

/** ClickHouse DateTime64(3) parameter text for a UTC instant; an instant outside the range is a bug upstream. */
export function toClickHouseTime(ms: number): string {
  if (!(ms >= EARLIEST_TIME_MS && ms <= LATEST_TIME_MS)) {
    throw new RangeError(`time ${Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : ms} is outside what ClickHouse's DateTime64 holds (${TIME_RANGE_TEXT})`);
  }
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

/**
 * Bounds for queries that read a daily rollup, an hourly one and the raw table: whole UTC days from the daily
 * rollup, the other whole hours from the hourly one, the partial hours from raw rows. With no whole day, both
 * day bounds sit at the end of the whole hours, so the hourly rollup serves all of them.
 */
export function rollupBounds(fromMs: number, toMs: number): { hourFrom: string; hourTo: string; dayFrom: string; dayTo: string } {
  const DAY = 86_400_000;
  const hours = wholeHours(fromMs, toMs);
  const start = Math.ceil(hours.fromMs / DAY) * DAY;
  const end = Math.floor(hours.toMs / DAY) * DAY;
  const days = start < end ? { fromMs: start, toMs: end } : { fromMs: hours.toMs, toMs: hours.toMs };
  return {
    hourFrom: toClickHouseTime(hours.fromMs), hourTo: toClickHouseTime(hours.toMs),
    dayFrom: toClickHouseTime(days.fromMs), dayTo: toClickHouseTime(days.toMs),
  };
}
