import { describe, expect, it } from 'vitest';
import { parseDuration, resolveWindow, timelineBucketSeconds } from '../src/report/window.js';
import { UsageError } from '../src/errors.js';
import { rollupBounds, wholeHours } from '../src/clickhouse/time.js';

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
  ])('rejects %j with a usage error naming the input', (flags, message) => {
    expect(() => resolveWindow(flags, NOW)).toThrow(UsageError);
    expect(() => resolveWindow(flags, NOW)).toThrow(message);
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
