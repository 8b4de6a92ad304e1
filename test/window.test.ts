import { describe, expect, it } from 'vitest';
import { checkWindow, parseDuration, resolveWindow, timelineBucketSeconds } from '../src/report/window.js';
import { UsageError } from '../src/errors.js';
import { rollupBounds, toClickHouseTime, wholeHours } from '../src/clickhouse/time.js';

const NOW = Date.parse('2026-11-21T10:15:30Z');

describe('resolveWindow', () => {
  it('reads --last as a window ending with the current minute', () => {
    const w = resolveWindow({ last: '7d' }, NOW);
    expect(new Date(w.toMs).toISOString()).toBe('2026-11-21T10:16:00.000Z');
    expect(w.toMs - w.fromMs).toBe(7 * 86_400_000);
    expect(w.aligned).toBe(false);
    expect(w.timezone).toBe('UTC');
  });

  it('reads dates without an offset in the report time zone', () => {
    const w = resolveWindow({ from: '2026-07-01', to: '2026-07-08', tz: 'Europe/Lisbon' });
    // Lisbon is UTC+1 in July.
    expect(new Date(w.fromMs).toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(new Date(w.toMs).toISOString()).toBe('2026-07-07T23:00:00.000Z');
  });

  it('keeps explicit offsets and widens to whole minutes with a flag', () => {
    const w = resolveWindow({ from: '2026-11-01T06:00:30Z', to: '2026-11-01T08:00:10+01:00' });
    expect(new Date(w.fromMs).toISOString()).toBe('2026-11-01T06:00:00.000Z');
    expect(new Date(w.toMs).toISOString()).toBe('2026-11-01T07:01:00.000Z');
    expect(w.aligned).toBe(true);
  });

  it.each([
    [{ from: '2026-11-02', to: '2026-11-01' }, /--from .* must be before --to/],
    [{ from: '2026-11-01', to: '2026-11-01' }, /must be before/],
    [{ from: 'yesterday', to: '2026-11-01' }, /--from "yesterday" is not an ISO 8601/],
    [{ from: '2026-13-45', to: '2026-11-01' }, /--from "2026-13-45"/],
    [{ from: '2026-11-01' }, /--from and --to must be given together/],
    [{}, /a window is required/],
    [{ last: '7d', from: '2026-11-01', to: '2026-11-02' }, /either --from\/--to or --last/],
    [{ last: '7 days' }, /--last "7 days" is not a duration/],
    [{ last: '0d' }, /greater than zero/],
    [{ last: '900d' }, /longer than 400 days/],
    [{ last: '1d', tz: 'Mars/Olympus' }, /--tz "Mars\/Olympus" is not an IANA time zone/],
    // ClickHouse's DateTime64 holds 1900-01-01 to 2299-12-31: beyond, it clamps silently, and past year 9999 the
    // embedded engine crashed (exit 139).
    [{ from: '+010000-01-01', to: '+010000-01-02' }, /--from \(\+010000-01-01T00:00:00.000Z\) is after 2299-12-31/],
    [{ from: '2299-12-30', to: '2300-01-02' }, /--to \(2300-01-02T00:00:00.000Z\) is after 2299-12-31/],
    [{ from: '1850-01-01', to: '1850-01-02' }, /--from \(1850-01-01T00:00:00.000Z\) is before 1900-01-01/],
    [{ from: '1900-01-01', to: '1900-01-08' }, /--from \(1900-01-01T00:00:00.000Z\): .*previous period .* would start at 1899-12-25T00:00:00.000Z, before 1900-01-01/],
    [{ last: '99999999999999w' }, /longer than 400 days/],
  ])('rejects %j with a usage error naming the input', (flags, message) => {
    expect(() => resolveWindow(flags, NOW)).toThrow(UsageError);
    expect(() => resolveWindow(flags, NOW)).toThrow(message);
  });
});

describe('checkWindow, the one check of every window before it reaches a query', () => {
  it('accepts the edges of the range and names the source of each bound in its messages', () => {
    expect(() => checkWindow(Date.parse('1900-01-02T00:00:00Z'), Date.parse('1900-01-03T00:00:00Z'), { from: '--from', to: '--to' })).not.toThrow();
    expect(() => checkWindow(Date.parse('2299-12-30T00:00:00Z'), Date.parse('2299-12-31T00:00:00Z'), { from: '--from', to: '--to' })).not.toThrow();
    expect(() => checkWindow(Date.parse('2299-12-30T00:00:00Z'), Date.parse('2300-01-01T00:00:00Z'), { from: 'a', to: '--now 2300-01-01T00:00:00Z (window previous-day)' })).toThrow(
      /--now 2300-01-01T00:00:00Z \(window previous-day\) \(2300-01-01T00:00:00.000Z\) is after 2299-12-31/,
    );
    expect(() => checkWindow(NaN, 0, { from: '--from', to: '--to' })).toThrow(UsageError);
  });

  it('guards the writer of every time parameter too', () => {
    expect(toClickHouseTime(Date.parse('2026-11-01T06:00:00Z'))).toBe('2026-11-01 06:00:00.000');
    expect(() => toClickHouseTime(Date.parse('+010000-01-01T00:00:00Z'))).toThrow(/outside .*1900-01-01.*2299-12-31/);
    expect(() => toClickHouseTime(Date.parse('1899-12-31T23:59:59Z'))).toThrow(/outside/);
  });
});

describe('parseDuration and buckets', () => {
  it('parses units', () => {
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
  });
  it('keeps timelines between 100 and 300 bars for common windows', () => {
    for (const [ms, expected] of [[3_600_000, 60], [86_400_000, 300], [7 * 86_400_000, 3600], [30 * 86_400_000, 10800]] as const) {
      expect(timelineBucketSeconds(ms)).toBe(expected);
      expect(ms / 1000 / expected).toBeLessThanOrEqual(300);
    }
  });
});

describe('wholeHours (rollup vs raw split of a window)', () => {
  const t = (iso: string) => Date.parse(iso);
  it('serves whole hours from rollups and the edges from raw rows', () => {
    expect(wholeHours(t('2026-11-01T06:17:00Z'), t('2026-11-03T09:37:00Z'))).toEqual({ fromMs: t('2026-11-01T07:00:00Z'), toMs: t('2026-11-03T09:00:00Z') });
    expect(wholeHours(t('2026-11-01T06:00:00Z'), t('2026-11-01T08:00:00Z'))).toEqual({ fromMs: t('2026-11-01T06:00:00Z'), toMs: t('2026-11-01T08:00:00Z') });
  });
  it('collapses to an empty rollup range when no whole hour fits', () => {
    const from = t('2026-11-01T06:10:00Z');
    expect(wholeHours(from, t('2026-11-01T06:50:00Z'))).toEqual({ fromMs: from, toMs: from });
    expect(wholeHours(from, t('2026-11-01T07:30:00Z'))).toEqual({ fromMs: from, toMs: from });
  });
});

describe('rollupBounds (daily rollup, hourly rollup, raw rows)', () => {
  const t = (iso: string) => Date.parse(iso);
  const ch = (iso: string) => iso.replace('T', ' ').replace('Z', '');
  it('gives whole days to the daily rollup and whole hours of partial days to the hourly one', () => {
    expect(rollupBounds(t('2026-11-01T06:17:00Z'), t('2026-11-03T09:37:00Z'))).toEqual({
      hourFrom: ch('2026-11-01T07:00:00.000Z'), hourTo: ch('2026-11-03T09:00:00.000Z'),
      dayFrom: ch('2026-11-02T00:00:00.000Z'), dayTo: ch('2026-11-03T00:00:00.000Z'),
    });
  });
  it('leaves the daily rollup empty when no whole day fits', () => {
    const b = rollupBounds(t('2026-11-01T06:17:00Z'), t('2026-11-02T05:00:00Z'));
    expect(b.dayFrom).toBe(b.hourTo);
    expect(b.dayTo).toBe(b.hourTo);
    expect(b.hourFrom).toBe(ch('2026-11-01T07:00:00.000Z'));
  });
});
