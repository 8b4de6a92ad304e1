/**
 * When schedules fire and which window each firing covers. Pure: every function takes the clock as an
 * argument, so daylight-saving transitions are tested with fixed instants.
 *
 * Firing times come from cron-parser in the customer's zone: a local time skipped by a spring-forward
 * transition fires at the same wall-clock offset after it (02:30 becomes 03:30), and one repeated by a
 * fall-back transition fires once, the first time. Calendar windows are computed in the customer's zone
 * with luxon, so a previous day can be 23 or 25 hours long and a week or month is a local calendar one.
 */
import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import type { WindowKind } from '../config/schema.js';

export interface Firing {
  /** When the schedule fires (UTC ms). */
  at: number;
  /** The window the report covers, [from, to) in UTC ms. */
  from: number;
  to: number;
}

/** Firing times in (afterMs, untilMs], oldest first, at most `limit` (the newest ones when there are more). */
export function firingTimes(cron: string, zone: string, afterMs: number, untilMs: number, limit = 1000): number[] {
  if (untilMs <= afterMs) return [];
  const it = CronExpressionParser.parse(cron, { tz: zone, currentDate: new Date(afterMs), endDate: new Date(untilMs) });
  const times: number[] = [];
  while (it.hasNext()) {
    const t = it.next().getTime();
    if (t <= afterMs) continue;
    if (t > untilMs) break;
    times.push(t);
    if (times.length > limit) times.shift();
  }
  return times;
}

/** The window a firing at `atMs` covers, in `zone`. */
export function windowFor(kind: WindowKind, zone: string, atMs: number): { from: number; to: number } {
  const at = DateTime.fromMillis(atMs, { zone });
  const calendar = (unit: 'day' | 'week' | 'month') => {
    // luxon weeks start on Monday (ISO).
    const to = at.startOf(unit);
    return { from: to.minus({ [`${unit}s`]: 1 }).toMillis(), to: to.toMillis() };
  };
  switch (kind) {
    case 'previous-day':
      return calendar('day');
    case 'previous-week':
      return calendar('week');
    case 'previous-month':
      return calendar('month');
    case 'last-24h':
      return { from: atMs - 86_400_000, to: atMs };
    case 'last-7d':
      return { from: atMs - 7 * 86_400_000, to: atMs };
    case 'last-30d':
      return { from: atMs - 30 * 86_400_000, to: atMs };
  }
}

export interface DuePlan {
  /** Firings to produce now, oldest first. */
  run: Firing[];
  /** Firings not produced, with the reason recorded in the ledger. */
  skip: (Firing & { reason: string })[];
}

/**
 * What to do at `nowMs` for a schedule last considered at `watermarkMs`: the firings in between are due. On
 * time (within `graceMs` of now) they always run; missed ones (the worker was down) run under catch-up, the
 * newest `maxCatchUp` of them, and the rest, or all of them under skip, are recorded as skipped.
 */
export function planDue(
  schedule: { cron: string; window: WindowKind; misfire: 'catch-up' | 'skip'; maxCatchUp: number },
  zone: string,
  watermarkMs: number,
  nowMs: number,
  graceMs = 5 * 60_000,
): DuePlan {
  const firings = firingTimes(schedule.cron, zone, watermarkMs, nowMs).map((at) => ({ at, ...windowFor(schedule.window, zone, at) }));
  const plan: DuePlan = { run: [], skip: [] };
  const missed = firings.filter((f) => nowMs - f.at > graceMs);
  const onTime = firings.filter((f) => nowMs - f.at <= graceMs);
  if (schedule.misfire === 'skip') {
    for (const f of missed) plan.skip.push({ ...f, reason: `missed while the worker was not running (due ${new Date(f.at).toISOString()}); misfire policy skip` });
  } else {
    const keep = missed.slice(-schedule.maxCatchUp);
    for (const f of missed.slice(0, missed.length - keep.length)) {
      plan.skip.push({ ...f, reason: `missed while the worker was not running, beyond the catch-up limit of ${schedule.maxCatchUp}` });
    }
    plan.run.push(...keep);
  }
  plan.run.push(...onTime);
  return plan;
}

/** A delay in [0, jitterSeconds) that is the same for the same key every time (so a restart does not reshuffle). */
export function jitterMs(key: string, jitterSeconds: number): number {
  if (jitterSeconds <= 0) return 0;
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return (h % (jitterSeconds * 1000));
}

/** The first firing strictly after `afterMs`, or undefined when the expression never fires again. */
export function nextFiring(cron: string, zone: string, afterMs: number): number | undefined {
  const it = CronExpressionParser.parse(cron, { tz: zone, currentDate: new Date(afterMs) });
  for (let i = 0; i < 4 && it.hasNext(); i++) {
    const t = it.next().getTime();
    if (t > afterMs) return t;
  }
  return undefined;
}
