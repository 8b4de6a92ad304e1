import { describe, expect, it } from 'vitest';
import { firingTimes, jitterMs, planDue, windowFor } from '../../src/scheduler/windows.js';

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();
const HOUR = 3_600_000;

describe('firing times across daylight-saving transitions', () => {
  it('New York, spring forward (8 Mar 2026, 02:00 → 03:00): a 02:30 schedule fires once, at 03:30 EDT', () => {
    const times = firingTimes('30 2 * * *', 'America/New_York', ms('2026-03-07T00:00:00Z'), ms('2026-03-10T00:00:00Z'));
    expect(times.map(iso)).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
  });

  it('New York, fall back (1 Nov 2026, 02:00 → 01:00): a 01:30 schedule fires once, the first time', () => {
    const times = firingTimes('30 1 * * *', 'America/New_York', ms('2026-10-31T00:00:00Z'), ms('2026-11-03T00:00:00Z'));
    expect(times.map(iso)).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('Lisbon, spring forward (29 Mar 2026, 01:00 → 02:00) and fall back (25 Oct 2026, 02:00 → 01:00)', () => {
    expect(firingTimes('30 1 * * *', 'Europe/Lisbon', ms('2026-03-28T12:00:00Z'), ms('2026-03-30T12:00:00Z')).map(iso))
      .toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(firingTimes('30 1 * * *', 'Europe/Lisbon', ms('2026-10-24T12:00:00Z'), ms('2026-10-26T12:00:00Z')).map(iso))
      .toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('a daily 06:00 schedule keeps 06:00 local time on both sides of a transition', () => {
    const times = firingTimes('0 6 * * *', 'Europe/Lisbon', ms('2026-10-23T12:00:00Z'), ms('2026-10-27T12:00:00Z'));
    expect(times.map(iso)).toEqual(['2026-10-24T05:00:00.000Z', '2026-10-25T06:00:00.000Z', '2026-10-26T06:00:00.000Z', '2026-10-27T06:00:00.000Z']);
  });
});

describe('windows in the customer zone', () => {
  it('the previous day of a spring-forward day is 23 hours, of a fall-back day 25 hours (New York)', () => {
    const spring = windowFor('previous-day', 'America/New_York', ms('2026-03-09T10:00:00Z'));
    expect([iso(spring.from), iso(spring.to)]).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(spring.to - spring.from).toBe(23 * HOUR);
    const autumn = windowFor('previous-day', 'America/New_York', ms('2026-11-02T10:00:00Z'));
    expect(autumn.to - autumn.from).toBe(25 * HOUR);
  });

  it('the previous week runs Monday 00:00 to Monday 00:00 local, 169 hours across the Lisbon fall-back', () => {
    const w = windowFor('previous-week', 'Europe/Lisbon', ms('2026-10-26T06:00:00Z'));
    expect([iso(w.from), iso(w.to)]).toEqual(['2026-10-18T23:00:00.000Z', '2026-10-26T00:00:00.000Z']);
    expect(w.to - w.from).toBe(169 * HOUR);
  });

  it('the previous month is the local calendar month', () => {
    const w = windowFor('previous-month', 'America/New_York', ms('2026-11-01T11:00:00Z'));
    expect([iso(w.from), iso(w.to)]).toEqual(['2026-10-01T04:00:00.000Z', '2026-11-01T04:00:00.000Z']);
  });

  it('rolling windows end at the firing time', () => {
    expect(windowFor('last-24h', 'UTC', ms('2026-11-21T06:00:00Z'))).toEqual({ from: ms('2026-11-20T06:00:00Z'), to: ms('2026-11-21T06:00:00Z') });
  });
});

describe('due runs after downtime', () => {
  const daily = { cron: '0 6 * * *', window: 'previous-day' as const, maxCatchUp: 5 };

  it('catch-up produces every missed window, oldest first; the newest maxCatchUp only', () => {
    const plan = planDue({ ...daily, misfire: 'catch-up' }, 'UTC', ms('2026-11-18T07:00:00Z'), ms('2026-11-21T09:00:00Z'));
    expect(plan.run.map((f) => iso(f.from))).toEqual(['2026-11-18T00:00:00.000Z', '2026-11-19T00:00:00.000Z', '2026-11-20T00:00:00.000Z']);
    expect(plan.skip).toEqual([]);
    const limited = planDue({ ...daily, misfire: 'catch-up', maxCatchUp: 1 }, 'UTC', ms('2026-11-18T07:00:00Z'), ms('2026-11-21T09:00:00Z'));
    expect(limited.run.map((f) => iso(f.from))).toEqual(['2026-11-20T00:00:00.000Z']);
    expect(limited.skip.map((f) => iso(f.from))).toEqual(['2026-11-18T00:00:00.000Z', '2026-11-19T00:00:00.000Z']);
    expect(limited.skip[0]!.reason).toContain('catch-up limit');
  });

  it('skip records missed windows as skipped, but runs one that is due now', () => {
    const plan = planDue({ ...daily, misfire: 'skip' }, 'UTC', ms('2026-11-18T07:00:00Z'), ms('2026-11-21T06:01:00Z'));
    expect(plan.skip.map((f) => iso(f.from))).toEqual(['2026-11-18T00:00:00.000Z', '2026-11-19T00:00:00.000Z']);
    expect(plan.skip[0]!.reason).toContain('misfire policy skip');
    expect(plan.run.map((f) => iso(f.from))).toEqual(['2026-11-20T00:00:00.000Z']);
  });

  it('nothing is due twice: the watermark excludes what was already planned', () => {
    const first = planDue({ ...daily, misfire: 'catch-up' }, 'UTC', ms('2026-11-20T07:00:00Z'), ms('2026-11-21T06:00:00Z'));
    const again = planDue({ ...daily, misfire: 'catch-up' }, 'UTC', ms('2026-11-21T06:00:00Z'), ms('2026-11-21T06:05:00Z'));
    expect(first.run).toHaveLength(1);
    expect(again.run).toHaveLength(0);
  });
});

describe('jitter', () => {
  it('is the same for the same window and stays inside the bound', () => {
    expect(jitterMs('acme/weekly/2026-11-16', 300)).toBe(jitterMs('acme/weekly/2026-11-16', 300));
    const values = Array.from({ length: 200 }, (_, i) => jitterMs(`k${i}`, 300));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(300_000);
    expect(new Set(values).size).toBeGreaterThan(150);
    expect(jitterMs('x', 0)).toBe(0);
  });
});
