import { DateTime } from 'luxon';
import type { ChartSpec } from './specs.js';
import type { Box } from './scene.js';

/**
 * Ticks of a time axis at round times of the report's time zone: on the hour, every 3 hours, at midnight,
 * every Monday. Rounding is done on the local clock, so the ticks stay round across a DST change (a day of 23
 * or 25 hours still gets its midnights) and in zones whose offset is not whole hours. Pure: text widths come
 * from the caller.
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

export interface PlacedLabel { x: number; label: string; width: number }

/** About one time label per this many pixels of axis: enough to read times off, few enough to read at all. */
const TIME_LABEL_EVERY = 120;

/**
 * Labels of a chart's time axis (bucket i of n drawn across `plot`, on a canvas `canvasWidth` wide), at x
 * positions in CSS pixels: of the steps no finer than a bar whose labels keep `gap` apart, the one giving the
 * number of labels nearest one per TIME_LABEL_EVERY pixels (the finer on a tie); past the coarsest step
 * (windows of many months), every k-th of its ticks. `width` measures a label.
 */
export function placeTimeLabels(
  time: NonNullable<ChartSpec['time']>, n: number, plot: Box, canvasWidth: number, width: (label: string) => number, gap: number,
): PlacedLabel[] {
  const from = time.startMs;
  const to = time.startMs + Math.max(1, n) * time.bucketMs;
  const pxPerMs = plot.w / (to - from);
  // Only instants whose widest label ("02 Nov 13:00") fits on the canvas, centred on its tick.
  const half = width('00 Mmm 00:00') / 2;
  const first = from + Math.max(0, half - plot.x) / pxPerMs;
  const last = to - Math.max(0, half - (canvasWidth - plot.x - plot.w)) / pxPerMs;
  const place = (step: TickStep) =>
    timeTicks(first, last, time.timezone, step).map((t) => ({ x: Math.round((plot.x + (t.ms - from) * pxPerMs) * 100) / 100, label: t.label, width: width(t.label) }));
  const apart = (ls: PlacedLabel[]) => ls.every((l, i) => i === 0 || l.x - l.width / 2 >= ls[i - 1]!.x + ls[i - 1]!.width / 2 + gap);
  const most = plot.w / (width('00:00') + gap);
  const target = plot.w / TIME_LABEL_EVERY;
  let best: PlacedLabel[] | undefined;
  for (const step of TICK_STEPS) {
    if (stepMs(step) < Math.min(time.bucketMs, 86_400_000) || (last - first) / stepMs(step) > most) continue;
    const labels = place(step);
    if (labels.length > 0 && apart(labels) && (!best || Math.abs(labels.length - target) < Math.abs(best.length - target))) best = labels;
  }
  if (best) return best;
  const weekly = place(TICK_STEPS[TICK_STEPS.length - 1]!);
  for (let k = 2; ; k++) {
    const thinned = weekly.filter((_, i) => i % k === 0);
    if (apart(thinned)) return thinned;
  }
}
