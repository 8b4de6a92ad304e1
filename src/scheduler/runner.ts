/**
 * Executes one run of the ledger: report, archive, email each recipient. Safe to call again on a run that was
 * interrupted at any point: archived artifacts whose hash still matches are reused rather than rebuilt, and a
 * recipient whose outbox record says sent is never sent to again. A recipient marked sending when the
 * process died is sent again: the SMTP server had not confirmed that message (the record is written as soon
 * as it does), and the message keeps its Message-ID, so a mail system that did take it can recognise the copy.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Logger } from 'pino';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import type { Config } from '../config/schema.js';
import type { Branding } from '../render/branding.js';
import type { PdfRenderer } from '../render/renderer.js';
import type { ReportModel } from '../report/model.js';
import { generateReport, type Format } from '../report/generate.js';
import { refuseWindowGaps, type WindowGapCheck } from '../report/on-demand.js';
import { parseDuration, resolveWindow } from '../report/window.js';
import { artifactsIntact, moveIntoArchive, planArchive } from '../delivery/archive.js';
import { composeEmail, emailChart, sendWithRetries, type EmailInput, type SmtpSettings } from '../delivery/email.js';
import { downloadUrl, loadLinkSecret, signDownload } from '../delivery/links.js';
import { RuntimeFailure, errorMessage } from '../errors.js';
import { LIST_ACCOUNTS_HINT, missingTelemetry } from '../report/presence.js';
import type { Artifact, OutboxRecord, RunLedger, RunRecord, RunStatus } from './ledger-types.js';
import type { Metrics } from './metrics.js';
import { holdRun, type RunHold } from './run-hold.js';

export interface RunContext {
  ledger: RunLedger;
  config: Config;
  branding: Map<string, Branding>;
  target: ClickHouseTarget;
  renderer: PdfRenderer;
  transport: Transporter<SMTPTransport.SentMessageInfo> | null;
  log: Logger;
  metrics?: Metrics;
  /** Resolves once the store answers and is migrated (context.ts); absent when it was ready at the start. */
  storeReady?: () => Promise<void>;
  /** Notes every report carries (what a configured source does not record). */
  reportNotes?: string[];
  /** With a configured source: which parts of a window it has not synced; a run waits (fails, retried) for them. */
  sourceGaps?: WindowGapCheck;
}

/** What sending a run's emails needs: no database and no browser (a re-send sends the archived report). */
export type DeliveryContext = Pick<RunContext, 'ledger' | 'config' | 'branding' | 'transport' | 'log' | 'metrics'>;

/**
 * Runs one ledger entry to the end; returns its final record, or the current one when it was not executed here:
 * another process holds the schedule's lease, or the run is no longer as `expect` says (another worker took it
 * up since the caller looked), or it is running (a run whose lease expired is taken over by `pending`, never here).
 */
export async function executeRun(ctx: RunContext, id: string, expect?: { status: RunStatus; attempts: number }): Promise<RunRecord> {
  const { ledger, config } = ctx;
  const initial = await ledger.get(id);
  if (!initial) throw new Error(`no run ${id} in the ledger`);
  const customer = config.customers.find((c) => c.id === initial.customer);
  if (!customer) return ledger.update(id, (r) => ({ ...r, status: 'failed', reason: `customer ${r.customer} is no longer in the configuration` }));
  const leaseMs = config.worker.leaseSeconds * 1000;
  const lease = await ledger.lease(initial.customer, initial.schedule, leaseMs);
  if (!lease) return initial;
  const log = ctx.log.child({ runId: id });
  let hold: RunHold | undefined;
  try {
    const started = Date.now();
    const startable = (r: RunRecord) => r.status !== 'running' && (!expect || (r.status === expect.status && r.attempts === expect.attempts));
    let record = await ledger.updateIf(id, (r) => (startable(r) ? {
      ...r, status: 'running', attempts: r.attempts + 1, startedAt: new Date(started).toISOString(), heartbeatAt: new Date(started).toISOString(),
      leaseUntil: new Date(started + leaseMs).toISOString(), owner: lease.owner, reason: undefined,
    } : undefined));
    if (!record) return (await ledger.get(id)) ?? initial;
    hold = holdRun(ledger, lease, id, { leaseMs, stuckMs: config.worker.stuckRunMinutes * 60_000, stuckMinutes: config.worker.stuckRunMinutes, startedMs: started, log });
    log.info({ attempt: record.attempts, window: record.window, owner: lease.owner }, 'run started');
    const running = record;
    const held = hold;
    const work = (async () => {
      const model = await ensureArtifacts(ctx, running, held, log);
      const current = (await ledger.get(id)) ?? running;
      return deliver(ctx, current, model, customer.name, log, { recipients: current.recipients, stillHeld: held.holds });
    })();
    // The work of a lost run may still end (or fail) in the background: nothing awaits it then.
    work.catch(() => undefined);
    const outcome = await Promise.race([
      work.then((failures) => ({ failures }), (err: unknown) => ({ err })),
      held.lost.then((why) => ({ lost: why })),
    ]);
    if ('lost' in outcome) return (await ledger.get(id)) ?? record;
    const durationMs = Date.now() - started;
    const failures = 'failures' in outcome ? outcome.failures : [errorMessage(outcome.err)];
    const finished = await held.write((r) => ({
      ...r, status: failures.length ? 'failed' : 'succeeded', reason: failures.length ? failures.join('; ') : undefined,
      finishedAt: new Date().toISOString(), durationMs, leaseUntil: undefined,
    }));
    if (!finished) return (await ledger.get(id)) ?? record;
    record = finished;
    ctx.metrics?.runFinished(record.status, durationMs);
    if ('err' in outcome) log.error({ err: errorMessage(outcome.err), durationMs }, 'run failed');
    else log[failures.length ? 'error' : 'info']({ status: record.status, durationMs, reason: record.reason }, 'run finished');
    return record;
  } finally {
    hold?.stop();
    await lease.release().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not release the schedule\'s lease; it expires by itself'));
  }
}

/** The run's report: reused from the archive when intact, else built, archived and recorded. */
async function ensureArtifacts(ctx: RunContext, record: RunRecord, hold: RunHold, log: Logger): Promise<ReportModel> {
  const { ledger, config } = ctx;
  const stored = artifactsIntact(record.artifacts) ? await ledger.model<ReportModel>(record.id) : undefined;
  if (stored) {
    log.info('artifacts already archived and intact; reusing them');
    return stored;
  }
  const customer = config.customers.find((c) => c.id === record.customer)!;
  const schedule = customer.schedules.find((s) => s.name === record.schedule);
  const formats = (schedule?.formats ?? ['pdf']) as Format[];
  // One directory per attempt: the work of an attempt given up (stuck, lost) may still be writing into its own.
  // Those of earlier attempts are removed: a crash left them, or their work is no longer wanted.
  const tmpRoot = path.join(config.worker.stateDir, 'tmp');
  const tmp = path.join(tmpRoot, `${record.id}.${record.attempts}`);
  for (const name of fs.existsSync(tmpRoot) ? fs.readdirSync(tmpRoot) : []) {
    if (name === record.id || (name.startsWith(`${record.id}.`) && /^\d+$/.test(name.slice(record.id.length + 1)))) fs.rmSync(path.join(tmpRoot, name), { recursive: true, force: true });
  }
  // A server that was down when the worker started (or since) fails the run here, with the reason.
  await ctx.storeReady?.();
  // An account never seen would be emailed an all-clear: hold the run (failed, with the reason) and send nothing.
  const missing = await missingTelemetry(ctx.target, customer.accountId, customer.zones);
  if (missing) throw new RuntimeFailure(`held: ${missing}; no report was built and nothing was sent (${LIST_ACCOUNTS_HINT})`);
  const window = resolveWindow({ from: record.window.from, to: record.window.to, tz: record.window.timezone });
  await refuseWindowGaps(ctx.sourceGaps, window.fromMs, window.toMs, 'no report was built and nothing was sent; the run is retried once the source is synced');
  const result = await generateReport(ctx.target, { accountId: customer.accountId, zoneIds: customer.zones, window }, {
    formats, outDir: tmp, renderer: ctx.renderer, branding: ctx.branding.get(customer.id), notes: ctx.reportNotes,
  });
  const plan = planArchive(result.files, config.output.dir, config.output.path, {
    customer: record.customer, schedule: record.schedule, from: record.window.from, to: record.window.to, runId: record.id,
  }, record.artifacts);
  await ledger.saveModel(record.id, result.model);
  // The record names the artifacts before they are moved into the archive, and only while the run is still this
  // worker's: a retry after a kill between the two finds its own paths (not intact yet) and replaces them, rather
  // than archiving a second copy beside files no record owns; a worker that lost the run moves nothing.
  if (!(await hold.write((r) => ({ ...r, artifacts: plan.artifacts })))) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new RuntimeFailure('the run was lost to another worker before its report was archived');
  }
  moveIntoArchive(plan);
  fs.rmSync(tmp, { recursive: true, force: true });
  const artifacts = plan.artifacts;
  log.info({ artifacts: artifacts.map((a) => ({ format: a.format, bytes: a.bytes, sha256: a.sha256 })) }, 'report archived');
  return result.model;
}

/** The formats a download link points to, first found first: the one a reader most likely wants. */
const LINK_FORMATS = ['pdf', 'html', 'json'];

/** A signed download link of the run's report when the web app has a public address (web.publicUrl); else none. */
function reportLink(config: RunContext['config'], record: RunRecord, artifacts: Artifact[]): EmailInput['link'] {
  const { publicUrl, linkTtl, linksInEmails } = config.web;
  const artifact = LINK_FORMATS.map((f) => artifacts.find((a) => a.format === f)).find((a) => a !== undefined);
  if (!publicUrl || !artifact) return undefined;
  const expiresAtMs = Date.now() + parseDuration(linkTtl, 'web.linkTtl');
  const token = signDownload(loadLinkSecret(config.worker.stateDir), { runId: record.id, format: artifact.format, expiresAtMs });
  return { url: downloadUrl(publicUrl, token), expiresAt: new Date(expiresAtMs).toISOString(), always: linksInEmails };
}

/**
 * Emails every recipient not yet sent to; returns one line per recipient that failed. By default the run's own
 * delivery to its recipients; a re-send passes its own recipients and id (`resend-1`…), whose outbox records
 * are separate, so that a re-send is tracked per recipient and never sends twice either.
 */
export async function deliver(
  ctx: DeliveryContext, record: RunRecord, model: ReportModel, customerName: string, log: Logger,
  target: { recipients: string[]; delivery?: string; stillHeld?: () => Promise<boolean> } = { recipients: record.recipients },
): Promise<string[]> {
  const { ledger, config } = ctx;
  if (!ctx.transport || !config.smtp) return ['no SMTP server is configured'];
  const transport = ctx.transport;
  const smtp: SmtpSettings = config.smtp;
  const artifacts = record.artifacts ?? [];
  if (artifacts.length === 0) return ['the run has no artifact to send'];
  const pdf = artifacts.find((a) => a.format === 'pdf');
  const chart = await emailChart(model);
  const link = reportLink(config, record, artifacts);
  const failures: string[] = [];
  for (const to of target.recipients) {
    // A run lost to another worker sends nothing more (run-hold.ts): that worker sends what is left.
    if (target.stillHeld && !(await target.stillHeld())) return [...failures, 'the run was lost to another worker while sending'];
    const out = await ledger.outbox(record.id, to, target.delivery);
    if (out.status === 'sent') continue;
    await ledger.saveOutbox({ ...out, status: 'sending', attempts: out.attempts + 1, error: undefined });
    let mode: 'attachment' | 'note' = 'attachment';
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await sendWithRetries(transport, smtp, async () => {
        const composed = composeEmail({
          model, branding: ctx.branding.get(record.customer)!, customerName, ...(pdf ? { pdf: { path: pdf.path, bytes: pdf.bytes } } : {}),
          messageId: out.messageId, to, maxMessageBytes: smtp.maxMessageBytes, chart, ...(link ? { link } : {}),
        });
        mode = composed.mode;
        return composed.message;
      }, (attempt, err) => log.warn({ to, attempt, err: errorMessage(err) }, 'email attempt failed; retrying'));
    } catch (err) {
      await ledger.saveOutbox({ ...out, status: 'failed', attempts: out.attempts + 1, error: errorMessage(err) });
      ctx.metrics?.emailSent(false);
      failures.push(`email to ${to} failed: ${errorMessage(err)}`);
      log.error({ to, delivery: target.delivery, err: errorMessage(err) }, 'email failed');
      continue;
    }
    await recordSent(ledger, { ...out, status: 'sent', attempts: out.attempts + 1, mode, sentAt: new Date().toISOString(), error: undefined }, log);
    ctx.metrics?.emailSent(true);
    log.info({ to, mode, delivery: target.delivery, response: info.response }, 'email sent');
  }
  return failures;
}

/**
 * Records a message the SMTP server accepted as sent, trying again while the ledger does not answer (PostgreSQL
 * restarting): until this record is written, a worker that takes the run over sends the message again. Before,
 * one failed write here recorded nothing (the record stayed `sending`) and a ledger outage at that instant
 * became a duplicate email, like a kill at the instant of acceptance. Gives up after `patienceMs`, saying so.
 */
async function recordSent(ledger: DeliveryContext['ledger'], record: OutboxRecord, log: Logger, patienceMs = 60_000): Promise<void> {
  const deadline = Date.now() + patienceMs;
  // Short waits: once the ledger answers again, this record must land before another worker could take the run over.
  for (let wait = 200; ; wait = Math.min(wait * 2, 500)) {
    try {
      await ledger.saveOutbox(record);
      return;
    } catch (err) {
      if (Date.now() + wait > deadline) {
        throw new RuntimeFailure(`the email to ${record.recipient} was accepted by the SMTP server but could not be recorded as sent (${errorMessage(err)}); a retry of the run sends it again`);
      }
      log.warn({ to: record.recipient, err: errorMessage(err), retryInMs: wait }, 'could not record the email as sent; trying again');
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
