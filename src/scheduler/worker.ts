/**
 * The scheduled worker. Each tick (every minute, from node-cron) plans what is due since each schedule's
 * watermark (src/scheduler/windows.ts), claims every due (schedule, window) once in the ledger, records
 * missed windows that are not produced as skipped, then executes what is pending: new runs once their jitter
 * has passed, failed runs that have attempts left, and runs whose worker stopped renewing its lease (it died, on
 * any host). Runs of one schedule never overlap (a lease per schedule); at most `worker.concurrency` run at once.
 * Several workers may share one ledger: each step is safe against the others (ledger-types.ts).
 */
import cron from 'node-cron';
import type { Logger } from 'pino';
import type { CustomerConfig, ScheduleConfig } from '../config/schema.js';
import { jitterMs, planDue } from './windows.js';
import { runId, type RunRecord } from './ledger-types.js';
import { executeRun, type RunContext } from './runner.js';
import { leaseExpired, thisProcessOwner } from './run-hold.js';
import { errorMessage } from '../errors.js';

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
export async function plan(ctx: RunContext, nowMs: number): Promise<string[]> {
  const claimed: string[] = [];
  for (const customer of ctx.config.customers) {
    for (const schedule of customer.schedules) {
      const stored = await ctx.ledger.watermark(customer.id, schedule.name);
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
      const pause = await ctx.ledger.pausedBy(customer.id, schedule.name);
      if (pause) {
        due.skip.push(...due.run.map((f) => ({ ...f, reason: `paused by ${pause.by} at ${pause.at}${pause.reason ? ` (${pause.reason})` : ''}` })));
        due.run = [];
      }
      for (const f of due.skip) {
        const record = { ...newRecord(customer, schedule, f), status: 'skipped' as const, reason: f.reason, finishedAt: new Date(nowMs).toISOString() };
        if (await ctx.ledger.claim(record)) {
          ctx.metrics?.runSkipped();
          ctx.log.warn({ runId: record.id, reason: f.reason }, 'window skipped');
        }
      }
      for (const f of due.run) {
        const record = newRecord(customer, schedule, f, ctx.config.worker.dataDelayMinutes * 60_000);
        if (await ctx.ledger.claim(record)) {
          claimed.push(record.id);
          ctx.log.info({ runId: record.id, dueAt: record.dueAt, window: record.window }, 'run claimed');
        }
      }
      // Written after the claims: a crash in between re-plans the same firings, whose claims then fail.
      await ctx.ledger.setWatermark(customer.id, schedule.name, nowMs);
    }
  }
  return claimed;
}

/**
 * Runs that should execute now. Jitter is measured on the schedule's clock (`nowMs`); retries and leases on the
 * wall clock, since they concern how long real attempts took.
 *
 * A running run whose lease has passed lost its worker (killed, its host gone, cut off from the ledger): it is
 * taken over, put back in the queue, while it has attempts left, else recorded failed. Either is a conditional
 * update (the run is still running and its lease still passed), so of workers finding it at once exactly one
 * takes it; the next start gives it a new owner and lease. Its old owner, should it come back, finds the record
 * no longer its own and stops (run-hold.ts).
 */
export async function pending(ctx: RunContext, nowMs: number, opts: { ignoreJitter: boolean }, wallMs = Date.now()): Promise<RunRecord[]> {
  const { config, ledger } = ctx;
  const leaseMs = config.worker.leaseSeconds * 1000;
  const eligible: RunRecord[] = [];
  for (const r of await ledger.list()) {
    const schedule = config.customers.find((c) => c.id === r.customer)?.schedules.find((s) => s.name === r.schedule);
    if (r.status === 'queued') {
      // Never before dueAt (it holds the data delay), even when jitter is ignored.
      if (nowMs >= Date.parse(r.dueAt) && (opts.ignoreJitter || nowMs >= Date.parse(r.dueAt) + jitterMs(r.id, schedule?.jitterSeconds ?? 0))) eligible.push(r);
    } else if (r.status === 'failed') {
      const retryAt = Date.parse(r.finishedAt ?? r.dueAt) + config.worker.retryAfterMinutes * 60_000 * Math.max(1, r.attempts);
      if (!r.onDemand && r.attempts < config.worker.maxAttempts && wallMs >= retryAt) eligible.push(r);
    } else if (r.status === 'running' && leaseExpired(r, leaseMs, wallMs)) {
      const taken = await ledger.updateIf(r.id, (x) => {
        if (x.status !== 'running' || !leaseExpired(x, leaseMs, wallMs)) return undefined;
        const lostAt = `the lease of ${x.owner ?? 'its worker'} expired at ${x.leaseUntil ?? 'its last heartbeat'}`;
        return x.attempts < config.worker.maxAttempts
          ? { ...x, status: 'queued', reason: `taken over: ${lostAt}` }
          : { ...x, status: 'failed', reason: `its worker stopped during attempt ${x.attempts} of ${config.worker.maxAttempts} (${lostAt})`, finishedAt: new Date(wallMs).toISOString() };
      });
      if (!taken) continue;
      ctx.log.warn({ runId: r.id, previousOwner: r.owner, status: taken.status, reason: taken.reason }, taken.status === 'queued' ? 'run taken over' : 'run failed: its worker stopped');
      if (taken.status === 'queued') eligible.push(taken);
    }
  }
  // A run claimed (or taken over) while its schedule is paused waits for the resume. Asked only of the runs that
  // would execute now, not of every failed run the ledger keeps.
  const out: RunRecord[] = [];
  for (const r of eligible) if (r.onDemand || !(await ledger.pausedBy(r.customer, r.schedule))) out.push(r);
  return out;
}

/**
 * Executes runs with at most `concurrency` at once and the runs of one schedule one after another, oldest first.
 * A run that throws (the ledger did not answer: PostgreSQL restarting) ends its schedule's queue for this tick
 * and the others carry on; the first such error is thrown once every queue has stopped, so that no execution is
 * left running in the background of a tick that already failed. What such a run left behind is picked up later:
 * a run left running is taken over once its lease expires, a queued one by the next tick.
 */
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
  const errors: unknown[] = [];
  const worker = async () => {
    for (let q = queues.shift(); q; q = queues.shift()) {
      for (const r of q) {
        if (inFlight.has(r.id)) continue;
        inFlight.add(r.id);
        try {
          // Executed only if still as seen here: another worker may have run it since.
          results.push(await executeRun(ctx, r.id, { status: r.status, attempts: r.attempts }));
          onProgress?.(results.length, runs.length);
        } catch (err) {
          errors.push(err);
          ctx.log.error({ runId: r.id, err: errorMessage(err) }, 'run could not be executed; its schedule waits for the next tick');
          break;
        } finally {
          inFlight.delete(r.id);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (errors.length) throw errors[0];
  return results;
}

/**
 * How long until this worker should look at the ledger again, rather than at the next minute: a quarter of the
 * lease (the heartbeat's cadence) while another worker holds work this one could take over (a run running
 * elsewhere, or a due run left queued because its schedule's lease was held), since that worker may have died
 * and its lease then expires within one lease; undefined when nothing is held elsewhere. Without this, a dead
 * worker's runs waited for the next minute's tick after its lease expired, and a schedule's remaining queue for
 * the tick after that.
 */
export async function nextLookMs(ctx: RunContext, nowMs: number, inFlight: Set<string>): Promise<number | undefined> {
  const quarter = Math.max(1_000, Math.floor((ctx.config.worker.leaseSeconds * 1000) / 4));
  // Filtered by status: the ledger's history of finished runs is not read again for this.
  if ((await ctx.ledger.list({ status: 'running' })).some((r) => !inFlight.has(r.id))) return quarter;
  for (const r of await ctx.ledger.list({ status: 'queued' })) {
    if (!inFlight.has(r.id) && nowMs >= Date.parse(r.dueAt) && (r.onDemand || !(await ctx.ledger.pausedBy(r.customer, r.schedule)))) return quarter;
  }
  return undefined;
}

/** One tick: plan, then execute what is pending. */
export async function tick(
  ctx: RunContext, nowMs: number, inFlight: Set<string>, opts: { ignoreJitter: boolean; onProgress?: (done: number, total: number) => void },
): Promise<RunRecord[]> {
  await plan(ctx, nowMs);
  if (ctx.metrics) ctx.metrics.lastTickAt = new Date(nowMs).toISOString();
  return executeAll(ctx, (await pending(ctx, nowMs, opts)).filter((r) => !inFlight.has(r.id)), ctx.config.worker.concurrency, inFlight, opts.onProgress);
}

/**
 * Ticks every minute until SIGTERM or SIGINT, and out of turn a quarter of a lease after a tick that left work
 * held by another worker (nextLookMs) or that failed (the ledger did not answer), so that a dead worker's runs
 * are taken over, and an outage of the ledger is over, within about one lease. On either signal, no new run
 * starts; runs in progress get `graceMs` to finish, and those still running then are recorded as failed
 * (abandoned at shutdown), so the next start retries them. `wake` receives a function that ticks at once, out of turn (after any tick in
 * progress): the worker calls it when its store is back after an outage, so that the runs the outage failed
 * are retried then rather than at the next minute.
 */
export async function runForever(ctx: RunContext, clock: () => number, log: Logger, graceMs = 20_000, wake?: (tickNow: (why: string) => void) => void): Promise<void> {
  const inFlight = new Set<string>();
  let running: Promise<unknown> = Promise.resolve();
  let stopping = false;
  // At most one tick waits behind the one in progress: the minute, a look-again timer and a wake-up coincide.
  let queued = false;
  let lookAgain: NodeJS.Timeout | undefined;
  const once = () => {
    if (stopping || queued) return;
    queued = true;
    running = running.then(async () => {
      queued = false;
      if (stopping) return;
      clearTimeout(lookAgain);
      let delay: number | undefined;
      try {
        await tick(ctx, clock(), inFlight, { ignoreJitter: false });
        delay = await nextLookMs(ctx, clock(), inFlight);
      } catch (err) {
        // Most often the ledger not answering (PostgreSQL restarting): the worker keeps running and tries again
        // soon, rather than at the next minute or never (a crash).
        delay = Math.max(1_000, Math.floor((ctx.config.worker.leaseSeconds * 1000) / 4));
        log.error({ err: errorMessage(err), retryInMs: delay }, 'tick failed; trying again');
      }
      if (delay !== undefined && !stopping) {
        lookAgain = setTimeout(once, delay);
        lookAgain.unref();
      }
    });
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
      clearTimeout(lookAgain);
      void task.stop();
      log.info({ signal, inFlight: [...inFlight] }, 'stopping: no new runs; waiting for the runs in progress');
      const timer = setTimeout(() => {
        // Only runs this process still owns: one it lost meanwhile is another worker's to finish.
        void Promise.all([...inFlight].map(async (id) => {
          const abandoned = await ctx.ledger.updateIf(id, (r) => (r.status === 'running' && thisProcessOwner(r.owner)
            ? { ...r, status: 'failed', reason: `abandoned at shutdown (${signal})`, finishedAt: new Date().toISOString(), leaseUntil: undefined }
            : undefined)).catch((err: unknown) => log.error({ runId: id, err: String(err) }, 'could not record the run abandoned at shutdown'));
          if (abandoned) log.warn({ runId: id }, 'run abandoned at shutdown');
        })).finally(resolve);
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
