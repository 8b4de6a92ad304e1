/**
 * What an operator does to a run after the fact: retry it, re-send its report, and prune old run records. Each
 * operation exists once, here, for every front end (the CLI's `runs retry|resend|prune`, the API and the web
 * app), takes the actor who asked, and leaves an entry in the ledger's audit trail.
 *
 * Pauses: a pause stops what the worker does on its own (src/scheduler/worker.ts); an explicit request of an
 * operator is not held by it, as `send` is not. So a run skipped because its schedule was paused can be retried
 * (it produces that window now), and so can one skipped by the misfire policy or the catch-up limit.
 */
import { addressDomain, mailboxProblem } from '../delivery/address.js';
import { artifactsIntact, sha256File } from '../delivery/archive.js';
import { UsageError } from '../errors.js';
import type { ReportModel } from '../report/model.js';
import fs from 'node:fs';
import os from 'node:os';
import type { OutboxRecord, PruneResult, Resend, RunLedger, RunRecord } from './ledger-types.js';
import { deliver, executeRun, type DeliveryContext, type RunContext } from './runner.js';
import { keepLease } from './run-hold.js';

/**
 * A request refused before anything was done, with what to do instead. `kind` is for an HTTP front end:
 * not-found 404, state 409 (the run is not in a state that allows it), address 400 (a recipient outside the
 * customer's allow-list), archive 409 (the archived report is gone or changed), config 409 (no SMTP server).
 * The CLI exits 2 on every one (it is a UsageError).
 */
export class RunActionRefused extends UsageError {
  constructor(message: string, readonly kind: 'not-found' | 'state' | 'address' | 'archive' | 'config') {
    super(message);
  }
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** The run of `id`, or a refusal naming it. */
async function existingRun(ledger: RunLedger, id: string): Promise<RunRecord> {
  if (!RUN_ID.test(id)) throw new RunActionRefused(`run id ${JSON.stringify(id)} is not a run id (see \`attack-report runs\`)`, 'not-found');
  const run = await ledger.get(id);
  if (!run) throw new RunActionRefused(`no run ${id} in the ledger (see \`attack-report runs\`)`, 'not-found');
  return run;
}

function customerOf(ctx: Pick<RunContext, 'config'>, run: RunRecord) {
  const customer = ctx.config.customers.find((c) => c.id === run.customer);
  if (!customer) throw new RunActionRefused(`run ${run.id} is of customer ${run.customer}, which is no longer in the configuration`, 'state');
  return customer;
}

function requireSmtp(ctx: Pick<RunContext, 'config'>): void {
  if (!ctx.config.smtp) throw new RunActionRefused('the configuration has no smtp section: nothing can be sent', 'config');
}

const runningSince = (run: RunRecord) => `running (attempt ${run.attempts}, since ${run.startedAt ?? run.createdAt}${run.owner ? `, by ${run.owner}` : ''})`;

/**
 * Why `id` cannot be retried now, thrown; the run when it can. A front end calls this before opening the store
 * and the browser (the CLI does), so that a refusal costs nothing.
 */
export async function checkRetry(ctx: Pick<RunContext, 'ledger' | 'config'>, id: string): Promise<RunRecord> {
  const run = await existingRun(ctx.ledger, id);
  customerOf(ctx, run);
  switch (run.status) {
    case 'running':
      throw new RunActionRefused(`run ${id} is ${runningSince(run)}: wait for it to finish (a run whose process died is taken over by the worker)`, 'state');
    case 'queued':
      throw new RunActionRefused(`run ${id} is queued (due at ${run.dueAt}): the worker produces it then, or after its schedule is resumed if it is paused; there is nothing to retry`, 'state');
    case 'succeeded':
      throw new RunActionRefused(`run ${id} succeeded (finished at ${run.finishedAt ?? '?'}); to send its report again, re-send it: \`attack-report runs resend ${id}\``, 'state');
    case 'failed':
    case 'skipped': {
      requireSmtp(ctx);
      // Asked now so that a refusal comes before the store and the browser are opened; executeRun takes the
      // lease for real (and a run that took it meanwhile is still refused, by retryRun).
      const probe = await ctx.ledger.lease(run.customer, run.schedule, ctx.config.worker.leaseSeconds * 1000);
      if (!probe) throw new RunActionRefused(lockHeld(run), 'state');
      await probe.release();
      return run;
    }
  }
}

const lockHeld = (run: RunRecord) => `run ${run.id} was not retried: another run of ${run.customer}/${run.schedule} is executing now (its lease is held); retry once it has finished`;

/**
 * Executes a failed or skipped run again now, through executeRun: its archived artifacts are reused when intact
 * (else the report is built), and a recipient the run already reached is not sent to again. Ignores the worker's
 * maxAttempts (the operator asks). Returns the run's final record: `failed` with the reason when it failed again.
 */
export async function retryRun(ctx: RunContext, id: string, actor: string): Promise<RunRecord> {
  const before = await checkRetry(ctx, id);
  await ctx.ledger.audit({ by: actor, action: 'retry', customer: before.customer, runId: id, detail: `was ${before.status} after ${before.attempts} attempt(s)${before.reason ? `: ${before.reason}` : ''}` });
  const after = await executeRun(ctx, id, { status: before.status, attempts: before.attempts });
  if (after.status === 'running' || after.attempts === before.attempts) {
    // executeRun returns the record untouched when another process holds the schedule's lease (a run it executed
    // itself ends succeeded or failed, one attempt more).
    await ctx.ledger.audit({ by: actor, action: 'retry', customer: before.customer, runId: id, detail: 'not executed: another run of the schedule held its lease' });
    throw new RunActionRefused(lockHeld(before), 'state');
  }
  return after;
}

export interface ResendResult {
  run: RunRecord;
  resend: Resend;
  /** One outbox record per recipient of this re-send. */
  deliveries: OutboxRecord[];
  /** One line per recipient whose email failed; empty when every one was sent. */
  failures: string[];
}

/** The recipients of a re-send: each a plain address inside the customer's allowed domains, or a refusal naming it. */
export function checkRecipients(allowedDomains: string[], customerId: string, to: string[]): string[] {
  if (to.length === 0) throw new RunActionRefused('a re-send needs at least one recipient', 'address');
  const allowed = new Set(allowedDomains);
  const seen = new Map<string, string>();
  for (const raw of to) {
    const address = raw.trim();
    // Checked as the mailer reads it: `root<x>@acme.example` is a mailbox "x", not an address at acme.example.
    const problem = mailboxProblem(address);
    if (problem) throw new RunActionRefused(`recipient ${JSON.stringify(raw)} ${problem}`, 'address');
    if (!allowed.has(addressDomain(address))) throw new RunActionRefused(`recipient ${address} is outside ${customerId}'s allowed domains (${[...allowed].join(', ')})`, 'address');
    if (!seen.has(address.toLowerCase())) seen.set(address.toLowerCase(), address);
  }
  return [...seen.values()];
}

/**
 * Why the run's report cannot be re-sent, thrown; else its record and stored model. A re-send never builds the
 * report again: it sends the artifacts that were archived, each still matching its recorded SHA-256.
 */
export async function checkResend(ctx: Pick<RunContext, 'ledger' | 'config'>, id: string): Promise<{ run: RunRecord; model: ReportModel }> {
  const run = await existingRun(ctx.ledger, id);
  customerOf(ctx, run);
  if (run.status === 'running') throw new RunActionRefused(`run ${id} is ${runningSince(run)}: re-send it once it has finished`, 'state');
  if (run.status === 'queued') throw new RunActionRefused(`run ${id} is queued (due at ${run.dueAt}): it has no report yet`, 'state');
  const artifacts = run.artifacts ?? [];
  if (artifacts.length === 0) {
    throw new RunActionRefused(`run ${id} (${run.status}${run.reason ? `: ${run.reason}` : ''}) has no archived report to re-send; retry it instead: \`attack-report runs retry ${id}\``, 'state');
  }
  if (!artifactsIntact(artifacts)) {
    const bad = artifacts.find((a) => !fs.existsSync(a.path)) ?? artifacts.find((a) => sha256File(a.path) !== a.sha256)!;
    const what = fs.existsSync(bad.path) ? `has changed since it was archived (SHA-256 ${sha256File(bad.path).slice(0, 16)}…, recorded ${bad.sha256.slice(0, 16)}…)` : 'is no longer in the archive';
    // With workers on several hosts, the likeliest cause of a missing file is an archive that is not shared.
    const where = fs.existsSync(bad.path) ? '' : ` on this host (${os.hostname()}); if another host archived it, output.dir must be one directory shared by every worker host and mounted at the same path on each (the ledger records absolute paths)`;
    throw new RunActionRefused(`the archived ${bad.format} report of run ${id} (${bad.path}) ${what}${where}; a re-send sends only the report that was archived, never a rebuilt one`, 'archive');
  }
  const model = await ctx.ledger.model<ReportModel>(id);
  if (!model) throw new RunActionRefused(`the stored report model of run ${id} is gone, so its email cannot be composed; the archived files are at ${artifacts.map((a) => a.path).join(', ')}`, 'archive');
  requireSmtp(ctx);
  return { run, model };
}

/**
 * Sends a run's archived report again, to its recipients or to `to` (each inside the customer's allowed
 * domains). Each re-send is recorded (`resend-1`, `resend-2`…) with its own outbox records, so it is tracked per
 * recipient; `resume` (a re-send's id) finishes one that was cut short (a crash, a failed recipient), sending
 * only to its recipients not yet sent to. Needs no database and no browser.
 */
export async function resendRun(ctx: DeliveryContext, id: string, opts: { to?: string[]; actor: string; resume?: string }): Promise<ResendResult> {
  const { run, model } = await checkResend(ctx, id);
  const customer = customerOf(ctx, run);
  if (opts.resume !== undefined && opts.to !== undefined) throw new RunActionRefused('a resumed re-send keeps its recipients: give the re-send to resume or new recipients, not both', 'state');
  let resend: Resend;
  if (opts.resume !== undefined) {
    const found = await ctx.ledger.resend(id, opts.resume);
    if (!found) throw new RunActionRefused(`run ${id} has no re-send ${JSON.stringify(opts.resume)} (its re-sends: ${(await ctx.ledger.resends(id)).map((r) => r.id).join(', ') || 'none'})`, 'not-found');
    resend = found;
  } else {
    const recipients = checkRecipients(customer.allowedDomains, customer.id, opts.to ?? run.recipients);
    resend = await ctx.ledger.startResend(id, { by: opts.actor, recipients });
  }
  await ctx.ledger.audit({ by: opts.actor, action: 'resend', customer: run.customer, runId: id, detail: `${resend.id}${opts.resume ? ' (resumed)' : ''} to ${resend.recipients.join(', ')}` });
  // Two processes finishing one re-send at once could both send to a recipient still pending: one at a time.
  const leaseMs = ctx.config.worker.leaseSeconds * 1000;
  const lease = await ctx.ledger.lease(run.customer, `${run.id}.${resend.id}`, leaseMs);
  if (!lease) {
    throw new RunActionRefused(`${resend.id} of run ${id} is being sent by another process now (if that process was stopped, its hold expires within worker.leaseSeconds, ${ctx.config.worker.leaseSeconds} s: try again then)`, 'state');
  }
  const renewal = keepLease(lease, leaseMs);
  try {
    const log = ctx.log.child({ runId: id, delivery: resend.id });
    const failures = await deliver(ctx, run, model, customer.name, log, { recipients: resend.recipients, delivery: resend.id, stillHeld: renewal.held });
    return { run, resend, deliveries: await Promise.all(resend.recipients.map((r) => ctx.ledger.outbox(id, r, resend.id))), failures };
  } finally {
    renewal.stop();
    await lease.release();
  }
}

/**
 * Removes the ledger records (run, outboxes, re-sends, stored model) of runs that finished before `beforeMs`;
 * never a queued or running run, never an archived report file. Audited unless `dryRun`.
 */
export async function pruneRuns(ledger: RunLedger, beforeMs: number, opts: { actor: string; dryRun?: boolean }): Promise<PruneResult> {
  const result = await ledger.prune(beforeMs, { dryRun: opts.dryRun ?? false });
  if (!opts.dryRun) {
    await ledger.audit({
      by: opts.actor, action: 'prune',
      detail: `removed ${result.runs.length} run(s) finished before ${new Date(beforeMs).toISOString()} (${result.outboxRecords} outbox record(s), ${result.resends} re-send(s), ${result.models} stored model(s)); archived reports kept`,
    });
  }
  return result;
}
