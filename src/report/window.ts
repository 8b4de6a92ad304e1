import { DateTime, IANAZone } from 'luxon';
import { UsageError } from '../errors.js';
import { EARLIEST_TIME_MS, LATEST_TIME_MS, TIME_RANGE_TEXT } from '../clickhouse/time.js';

export interface ReportWindow {
  fromMs: number;
  toMs: number;
  timezone: string;
  /** True when the requested bounds were widened to whole minutes (the rollups' resolution). */
  aligned: boolean;
}

const MINUTE = 60_000;
const UNIT_MS: Record<string, number> = { m: MINUTE, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Longest window we accept; longer requests are almost always a typo (e.g. --last 700d). */
const MAX_WINDOW_MS = 400 * 86_400_000;

export function parseTimezone(tz: string | undefined): string {
  const zone = tz ?? 'UTC';
  if (!IANAZone.isValidZone(zone)) {
    throw new UsageError(`--tz ${JSON.stringify(zone)} is not an IANA time zone (examples: UTC, Europe/Lisbon, America/New_York)`);
  }
  return zone;
}

/** `7d`, `24h`, `90m`, `2w` → milliseconds. */
export function parseDuration(text: string, flag = '--last'): number {
  const m = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a duration; use a number and a unit m, h, d or w (e.g. 7d, 24h)`);
  const n = Number(m[1]);
  if (n <= 0) throw new UsageError(`${flag} ${JSON.stringify(text)} must be greater than zero`);
  return n * UNIT_MS[m[2]!]!;
}

/** An ISO 8601 date or date-time; a value without an offset is read in the report's time zone. */
export function parseInstant(flag: string, text: string, timezone: string): number {
  const dt = DateTime.fromISO(text.trim(), { zone: timezone, setZone: false });
  if (!dt.isValid) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not an ISO 8601 date or time (e.g. 2026-11-01 or 2026-11-01T06:00:00Z)`);
  }
  return dt.toMillis();
}

export interface WindowFlags {
  from?: string;
  to?: string;
  last?: string;
  tz?: string;
}

/**
 * Resolves --from/--to or --last into a half-open UTC window [from, to), widened to whole minutes so that
 * every figure can be read from the minute rollups and reproduced exactly on the raw tables.
 */
export function resolveWindow(flags: WindowFlags, nowMs: number = Date.now()): ReportWindow {
  const timezone = parseTimezone(flags.tz);
  const hasRange = flags.from !== undefined || flags.to !== undefined;
  if (hasRange && flags.last !== undefined) throw new UsageError('use either --from/--to or --last, not both');
  let fromMs: number;
  let toMs: number;
  if (flags.last !== undefined) {
    // "The last 7 days" ends with the current minute; aligning here is expected, not worth a note.
    toMs = Math.ceil(nowMs / MINUTE) * MINUTE;
    fromMs = toMs - parseDuration(flags.last);
  } else if (hasRange) {
    if (flags.from === undefined || flags.to === undefined) throw new UsageError('--from and --to must be given together');
    fromMs = parseInstant('--from', flags.from, timezone);
    toMs = parseInstant('--to', flags.to, timezone);
  } else {
    throw new UsageError('a window is required: --from ISO --to ISO, or --last 7d');
  }
  const alignedFrom = Math.floor(fromMs / MINUTE) * MINUTE;
  const alignedTo = Math.ceil(toMs / MINUTE) * MINUTE;
  checkWindow(alignedFrom, alignedTo, flags.last !== undefined ? { from: `--last ${flags.last}`, to: 'now' } : { from: '--from', to: '--to' });
  return { fromMs: alignedFrom, toMs: alignedTo, timezone, aligned: alignedFrom !== fromMs || alignedTo !== toMs };
}

/** How the user gave each bound of a window, for messages: `--from`, `--now 2026-… (window previous-day)`. */
export interface WindowSource {
  from: string;
  to: string;
}

const shownTime = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));

/**
 * The one check of a window [fromMs, toMs) before it reaches a query, whoever built it (generate's flags, a
 * schedule's firing, send): in order, at most 400 days long, and, with the previous period of the same length the
 * report compares it with, inside what ClickHouse's DateTime64 holds.
 */
export function checkWindow(fromMs: number, toMs: number, source: WindowSource): void {
  const at = (label: string, ms: number) => `${label} (${shownTime(ms)})`;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new UsageError(`${at(source.from, fromMs)} to ${at(source.to, toMs)} is not a window of valid times`);
  if (fromMs >= toMs) throw new UsageError(`${at(source.from, fromMs)} must be before ${at(source.to, toMs)}`);
  if (toMs - fromMs > MAX_WINDOW_MS) throw new UsageError('the window is longer than 400 days; split it into several reports');
  const range = `ClickHouse's DateTime64 holds ${TIME_RANGE_TEXT}`;
  for (const [label, ms] of [[source.from, fromMs], [source.to, toMs]] as const) {
    if (ms < EARLIEST_TIME_MS) throw new UsageError(`${at(label, ms)} is before 1900-01-01; ${range}`);
    if (ms > LATEST_TIME_MS) throw new UsageError(`${at(label, ms)} is after 2299-12-31; ${range}`);
  }
  const previousFrom = fromMs - (toMs - fromMs);
  if (previousFrom < EARLIEST_TIME_MS) {
    throw new UsageError(`${at(source.from, fromMs)}: the report compares the window with the previous period of the same length, which would start at ${shownTime(previousFrom)}, before 1900-01-01; ${range}`);
  }
}

/** Bucket size for timeline charts: about 100-300 bars whatever the window length. */
export function timelineBucketSeconds(durationMs: number): number {
  const candidates = [60, 300, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  for (const c of candidates) if (durationMs / (c * 1000) <= 300) return c;
  return 86400;
}
