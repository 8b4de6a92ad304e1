/**
 * The schedules of a configuration as an operator reads them: for each, when it next fires and which window that
 * run covers, in the customer's time zone, when the run becomes due (after the data delay), and the latest run
 * the ledger holds. One operation for every front end (`attack-report schedules` now; the API and web app next).
 */
import { DateTime } from 'luxon';
import type { Config } from '../config/schema.js';
import type { Pause, RunLedger, RunStatus } from './ledger-types.js';
import { nextFiring, windowFor } from './windows.js';

export interface ScheduleView {
  customer: string;
  schedule: string;
  cron: string;
  window: string;
  timezone: string;
  formats: string[];
  misfire: string;
  /**
   * The next run: its firing, ISO 8601 in the customer's zone with its offset. Absent when the expression never
   * fires again, and while the schedule is paused: a paused firing produces no report (it is recorded as skipped).
   */
  next?: {
    firesAt: string;
    /** The window that firing covers, [from, to), in the customer's zone. */
    from: string;
    to: string;
    /** When the worker produces it: the firing, or the window's end plus worker.dataDelayMinutes if later. */
    dueAt: string;
  };
  /** Set while the schedule (or its customer) is paused: its firings are then recorded as skipped. */
  paused?: Pause;
  /** The newest run of this schedule in the ledger. */
  lastRun?: { id: string; status: RunStatus; window: { from: string; to: string }; finishedAt?: string; reason?: string };
}

const local = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? new Date(ms).toISOString();

export async function listSchedules(config: Config, ledger: RunLedger, nowMs: number, filter: { customer?: string } = {}): Promise<ScheduleView[]> {
  const runs = (await ledger.list(filter.customer ? { customer: filter.customer } : {})).filter((r) => !r.onDemand);
  const views: ScheduleView[] = [];
  for (const customer of config.customers) {
    if (filter.customer && customer.id !== filter.customer) continue;
    const zone = customer.timezone;
    for (const s of customer.schedules) {
      const at = nextFiring(s.cron, zone, nowMs);
      const paused = await ledger.pausedBy(customer.id, s.name);
      const last = runs.filter((r) => r.customer === customer.id && r.schedule === s.name).at(-1);
      let next: ScheduleView['next'];
      if (at !== undefined && !paused) {
        const w = windowFor(s.window, zone, at);
        next = { firesAt: local(at, zone), from: local(w.from, zone), to: local(w.to, zone), dueAt: local(Math.max(at, w.to + config.worker.dataDelayMinutes * 60_000), zone) };
      }
      views.push({
        customer: customer.id, schedule: s.name, cron: s.cron, window: s.window, timezone: zone, formats: [...s.formats], misfire: s.misfire,
        ...(next ? { next } : {}),
        ...(paused ? { paused } : {}),
        ...(last ? { lastRun: { id: last.id, status: last.status, window: { from: last.window.from, to: last.window.to }, ...(last.finishedAt ? { finishedAt: last.finishedAt } : {}), ...(last.reason ? { reason: last.reason } : {}) } } : {}),
      });
    }
  }
  return views;
}
