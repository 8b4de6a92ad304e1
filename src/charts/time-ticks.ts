import { DateTime } from 'luxon';

/**
 * Ticks of a time axis at round times of the report's time zone: on the hour, every 3 hours, at midnight,
 * every Monday. Rounding is done on the local clock, so the ticks stay round across a DST change (a day of 23
 * or 25 hours still gets its midnights) and in zones whose offset is not whole hours. Pure.
 */

export interface TimeTick {
  /** The tick's instant, epoch milliseconds. */
  ms: number;
  label: string;
}

/** A tick step: minutes of the local clock (dividing a day), or whole local days. */
export type TickStep = { minutes: number } | { days: 1 | 2 | 7 };

/** Finest first. */
export const TICK_STEPS: readonly TickStep[] = [
  { minutes: 1 }, { minutes: 5 }, { minutes: 10 }, { minutes: 15 }, { minutes: 30 },
  { minutes: 60 }, { minutes: 120 }, { minutes: 180 }, { minutes: 360 }, { minutes: 720 },
  { days: 1 }, { days: 2 }, { days: 7 },
];

/** The step's nominal length (a local day counted as 24 h). */
export function stepMs(step: TickStep): number {
  return 'days' in step ? step.days * 86_400_000 : step.minutes * 60_000;
}

const MINUTE = 60_000;

/** Local midnights in [fromMs, toMs]: every day, every other day (counted from 1970-01-01) or every Monday. */
function dayTicks(fromMs: number, toMs: number, zone: string, days: 1 | 2 | 7): DateTime[] {
  const out: DateTime[] = [];
  let d = DateTime.fromMillis(fromMs, { zone }).startOf('day');
  if (d.toMillis() < fromMs) d = d.plus({ days: 1 }).startOf('day');
  for (; d.toMillis() <= toMs; d = d.plus({ days: 1 }).startOf('day')) {
    const dayNumber = Math.round(Date.UTC(d.year, d.month - 1, d.day) / 86_400_000);
    if (days === 1 || (days === 2 && dayNumber % 2 === 0) || (days === 7 && d.weekday === 1)) out.push(d);
  }
  return out;
}

/**
 * Local clock times in [fromMs, toMs] whose minute of the day is a multiple of `minutes`. Candidates advance by
 * real time from a local hour start, so a repeated hour (autumn) gives two ticks and a skipped one (spring) none;
 * in steps of at most 15 minutes, so they stay on the local quarter hours across a 30-minute DST shift.
 */
function clockTicks(fromMs: number, toMs: number, zone: string, minutes: number): DateTime[] {
  const out: DateTime[] = [];
  const every = Math.min(minutes, 15) * MINUTE;
  let t = DateTime.fromMillis(fromMs, { zone }).startOf('hour').toMillis();
  while (t < fromMs) t += every;
  for (; t <= toMs; t += every) {
    const d = DateTime.fromMillis(t, { zone });
    if ((d.hour * 60 + d.minute) % minutes === 0) out.push(d);
  }
  return out;
}

/**
 * The ticks of one step between two instants, labelled for the axis: days as "02 Nov"; clock times as "13:00",
 * with each midnight shown as its date, and the first tick dated when no midnight is in view.
 */
export function timeTicks(fromMs: number, toMs: number, timezone: string, step: TickStep): TimeTick[] {
  const at = 'days' in step ? dayTicks(fromMs, toMs, timezone, step.days) : clockTicks(fromMs, toMs, timezone, step.minutes);
  const dated = (d: DateTime) => d.hour === 0 && d.minute === 0;
  const anyDate = at.some(dated);
  return at.map((d, i) => {
    const local = d.setLocale('en');
    const label = 'days' in step || dated(d) ? local.toFormat('dd LLL') : !anyDate && i === 0 ? local.toFormat('dd LLL HH:mm') : local.toFormat('HH:mm');
    return { ms: d.toMillis(), label };
  });
}
