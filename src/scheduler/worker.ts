/**
 * The scheduled worker. Each tick (every minute, from node-cron) plans what is due since each schedule's
 * watermark (src/scheduler/windows.ts), claims every due (schedule, window) once in the ledger, records
 * missed windows that are not produced as skipped, then executes what is pending: new runs once their jitter
 * has passed, failed runs that have attempts left, and runs left running by a process that died. Runs of one
 * schedule never overlap; at most `worker.concurrency` run at once.
 */
import cron from 'node-cron';
import type { Logger } from 'pino';
import type { CustomerConfig, ScheduleConfig } from '../config/schema.js';
import { jitterMs, planDue } from './windows.js';
import { runId, type RunRecord } from './ledger.js';
import { processAlive } from '../util/process.js';
import { executeRun, type RunContext } from './runner.js';
import os from 'node:os';

/** A firing less than this old when the worker first sees a schedule is still produced. */
export const FIRST_START_GRACE_MS = 5 * 60_000;

/** `dataDelayMs`: a window is due no earlier than this long after its end, so late telemetry has arrived. */
function newRecord(customer: CustomerConfig, schedule: ScheduleConfig, f: { at: number; from: number; to: number }, dataDelayMs = 0): RunRecord {
  return {
    id: runId(customer.id, schedule.name, f.from),
    customer: customer.id,
    schedule: schedule.name,
    dueAt: new Date(Math.max(f.at, f.to + dataDelayMs)).toISOString(),
    window: { from: new Date(f.from).toISOString(), to: new Date(f.to).toISOString(), timezone: customer.timezone },
    status: 'queued',
    attempts: 0,
    createdAt: new Date().toISOString(),
    recipients: schedule.recipients ?? customer.recipients,
  };
}

/** Claims what is due at `nowMs` and records what is skipped; returns the ids claimed now. */
export function plan(ctx: RunContext, nowMs: number): string[] {
  const claimed: string[] = [];
  for (const customer of ctx.config.customers) {
    for (const schedule of customer.schedules) {
      const stored = ctx.ledger.watermark(customer.id, schedule.name);
      if (stored !== undefined && nowMs < stored) {
        // A replayed or wrong clock: planning from here would move the watermark back and produce (or skip)
        // every window since again. Watermarks only move forward.
        ctx.log.warn({ customer: customer.id, schedule: schedule.name, now: new Date(nowMs).toISOString(), watermark: new Date(stored).toISOString() },
          'the clock is before the schedule\'s watermark; nothing planned for it');
        continue;
      }
      const watermark = stored ?? nowMs - FIRST_START_GRACE_MS;
      const due = planDue(schedule, customer.timezone, watermark, nowMs);
      // A paused schedule's windows are recorded as skipped, so that the history says why and a resume does not
      // send the backlog.
      const pause = ctx.ledger.pausedBy(customer.id, schedule.name);
      if (pause) {
        due.skip.push(...due.run.map((f) => ({ ...f, reason: `paused by ${pause.by} at ${pause.at}${pause.reason ? ` (${pause.reason})` : ''}` })));
        due.run = [];
      }
      for (const f of due.skip) {
        const record = { ...newRecord(customer, schedule, f), status: 'skipped' as const, reason: f.reason, finishedAt: new Date(nowMs).toISOString() };
        if (ctx.ledger.claim(record)) {
          ctx.metrics?.runSkipped();
          ctx.log.warn({ runId: record.id, reason: f.reason }, 'window skipped');
        }
      }
      for (const f of due.run) {
        const record = newRecord(customer, schedule, f, ctx.config.worker.dataDelayMinutes * 60_000);
        if (ctx.ledger.claim(record)) {
          claimed.push(record.id);
          ctx.log.info({ runId: record.id, dueAt: record.dueAt, window: record.window }, 'run claimed');
        }
      }
      // Written after the claims: a crash in between re-plans the same firings, whose claims then fail.
      ctx.ledger.setWatermark(customer.id, schedule.name, nowMs);
    }
  }
  return claimed;
}

/**
 * Runs that should execute now. Jitter is measured on the schedule's clock (`nowMs`); retries and the stuck
 * timeout on the wall clock, since they concern how long real attempts took.
 */
export function pending(ctx: RunContext, nowMs: number, opts: { ignoreJitter: boolean }, wallMs = Date.now()): RunRecord[] {
  const { config, ledger } = ctx;
  const stuckMs = config.worker.stuckRunMinutes * 60_000;
  const eligible = ledger.list().filter((r) => {
    const schedule = config.customers.find((c) => c.id === r.customer)?.schedules.find((s) => s.name === r.schedule);
    // Never before dueAt (it holds the data delay), even when jitter is ignored.
    if (r.status === 'queued') return nowMs >= Date.parse(r.dueAt) && (opts.ignoreJitter || nowMs >= Date.parse(r.dueAt) + jitterMs(r.id, schedule?.jitterSeconds ?? 0));
    if (r.status === 'failed') {
      const retryAt = Date.parse(r.finishedAt ?? r.dueAt) + config.worker.retryAfterMinutes * 60_000 * Math.max(1, r.attempts);
      return !r.onDemand && r.attempts < config.worker.maxAttempts && wallMs >= retryAt;
    }
    if (r.status === 'running') {
      // Left running by a process that is gone, or silent past the stuck timeout.
      const ownerGone = r.owner?.host === os.hostname() && !processAlive(r.owner.pid);
      const silent = wallMs - Date.parse(r.heartbeatAt ?? r.startedAt ?? r.createdAt) > stuckMs;
      if (silent && !ownerGone) ledger.update(r.id, (x) => ({ ...x, status: 'failed', reason: `stuck: no progress for ${config.worker.stuckRunMinutes} min`, finishedAt: new Date(wallMs).toISOString() }));
      return ownerGone && r.attempts < config.worker.maxAttempts;
    }
    return false;
  });
  // A run claimed before its schedule was paused waits for the resume. Asked only of the runs that would execute
  // now, not of every failed run the ledger keeps.
  return eligible.filter((r) => r.status === 'running' || r.onDemand || !ledger.pausedBy(r.customer, r.schedule));
}

/** Executes runs with at most `concurrency` at once and the runs of one schedule one after another, oldest first. */
export async function executeAll(
  ctx: RunContext, runs: RunRecord[], concurrency: number, inFlight: Set<string>, onProgress?: (done: number, total: number) => void,
): Promise<RunRecord[]> {
  const bySchedule = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = `${r.customer}.${r.schedule}`;
    bySchedule.set(key, [...(bySchedule.get(key) ?? []), r]);
  }
  const queues = [...bySchedule.values()].map((q) => q.sort((a, b) => a.dueAt.localeCompare(b.dueAt)));
  const results: RunRecord[] = [];
  const worker = async () => {
    for (let q = queues.shift(); q; q = queues.shift()) {
      for (const r of q) {
        if (inFlight.has(r.id)) continue;
        inFlight.add(r.id);
        try {
          results.push(await executeRun(ctx, r.id));
          onProgress?.(results.length, runs.length);
        } finally {
          inFlight.delete(r.id);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return results;
}

/** One tick: plan, then execute what is pending. */
export async function tick(
  ctx: RunContext, nowMs: number, inFlight: Set<string>, opts: { ignoreJitter: boolean; onProgress?: (done: number, total: number) => void },
): Promise<RunRecord[]> {
  plan(ctx, nowMs);
  if (ctx.metrics) ctx.metrics.lastTickAt = new Date(nowMs).toISOString();
  return executeAll(ctx, pending(ctx, nowMs, opts).filter((r) => !inFlight.has(r.id)), ctx.config.worker.concurrency, inFlight, opts.onProgress);
}

/**
 * Ticks every minute until SIGTERM or SIGINT. On either, no new run starts; runs in progress get
 * `graceMs` to finish, and those still running then are recorded as failed (abandoned at shutdown), so the
 * next start retries them. `wake` receives a function that ticks at once, out of turn (after any tick in
 * progress): the worker calls it when its store is back after an outage, so that the runs the outage failed
 * are retried then rather than at the next minute.
 */
export async function runForever(ctx: RunContext, clock: () => number, log: Logger, graceMs = 20_000, wake?: (tickNow: (why: string) => void) => void): Promise<void> {
  const inFlight = new Set<string>();
  let running: Promise<unknown> = Promise.resolve();
  let stopping = false;
  const once = () => {
    if (stopping) return;
    running = running.then(() => tick(ctx, clock(), inFlight, { ignoreJitter: false })).catch((err: unknown) => log.error({ err: String(err) }, 'tick failed'));
  };
  once();
  wake?.((why) => {
    if (stopping) return;
    log.info({ why }, 'ticking now');
    once();
  });
  const task = cron.schedule('* * * * *', once, { noOverlap: true });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      void task.stop();
      log.info({ signal, inFlight: [...inFlight] }, 'stopping: no new runs; waiting for the runs in progress');
      const timer = setTimeout(() => {
        for (const id of inFlight) {
          ctx.ledger.update(id, (r) => ({ ...r, status: 'failed', reason: `abandoned at shutdown (${signal})`, finishedAt: new Date().toISOString() }));
          log.warn({ runId: id }, 'run abandoned at shutdown');
        }
        resolve();
      }, graceMs);
      void running.then(() => {
        clearTimeout(timer);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
