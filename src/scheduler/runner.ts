/**
 * Executes one run of the ledger: report, archive, email each recipient. Safe to call again on a run that was
 * interrupted at any point: archived artifacts whose hash still matches are reused rather than rebuilt, and a
 * recipient whose outbox record says sent is never sent to again. A recipient marked sending when the
 * process died is sent again: the SMTP server had not confirmed that message (the record is written as soon
 * as it does), and the message keeps its Message-ID, so a mail system that did take it can recognise the copy.
 */
import fs from 'node:fs';
import os from 'node:os';
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
import { resolveWindow } from '../report/window.js';
import { archive, artifactsIntact } from '../delivery/archive.js';
import { composeEmail, emailChart, sendWithRetries, type SmtpSettings } from '../delivery/email.js';
import { RuntimeFailure, errorMessage } from '../errors.js';
import { LIST_ACCOUNTS_HINT, missingTelemetry } from '../report/presence.js';
import { mkdirOwnerOnly, writeOwnerOnlySync } from '../util/private-files.js';
import type { Ledger, RunRecord } from './ledger.js';
import type { Metrics } from './metrics.js';

export interface RunContext {
  ledger: Ledger;
  config: Config;
  branding: Map<string, Branding>;
  target: ClickHouseTarget;
  renderer: PdfRenderer;
  transport: Transporter<SMTPTransport.SentMessageInfo> | null;
  log: Logger;
  metrics?: Metrics;
  /** Resolves once the store answers and is migrated (context.ts); absent when it was ready at the start. */
  storeReady?: () => Promise<void>;
}

const HEARTBEAT_MS = 15_000;

/** Runs one ledger entry to the end; returns its final record (or the current one if another process holds the schedule). */
export async function executeRun(ctx: RunContext, id: string): Promise<RunRecord> {
  const { ledger, config } = ctx;
  const initial = ledger.get(id);
  if (!initial) throw new Error(`no run ${id} in the ledger`);
  const customer = config.customers.find((c) => c.id === initial.customer);
  if (!customer) return ledger.update(id, (r) => ({ ...r, status: 'failed', reason: `customer ${r.customer} is no longer in the configuration` }));
  const lock = ledger.lock(initial.customer, initial.schedule, config.worker.stuckRunMinutes * 60_000);
  if (!lock) return initial;
  const log = ctx.log.child({ runId: id });
  const started = Date.now();
  let record = ledger.update(id, (r) => ({
    ...r, status: 'running', attempts: r.attempts + 1, startedAt: new Date(started).toISOString(), heartbeatAt: new Date(started).toISOString(),
    owner: { pid: process.pid, host: os.hostname() }, reason: undefined,
  }));
  const heartbeat = setInterval(() => {
    try {
      ledger.update(id, (r) => ({ ...r, heartbeatAt: new Date().toISOString() }));
    } catch {
      /* the next beat tries again */
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  log.info({ attempt: record.attempts, window: record.window }, 'run started');
  try {
    const model = await ensureArtifacts(ctx, record, log);
    record = ledger.get(id)!;
    const failures = await deliver(ctx, record, model, customer.name, log);
    const durationMs = Date.now() - started;
    record = ledger.update(id, (r) => ({
      ...r, status: failures.length ? 'failed' : 'succeeded', reason: failures.length ? failures.join('; ') : undefined,
      finishedAt: new Date().toISOString(), durationMs,
    }));
    ctx.metrics?.runFinished(record.status, durationMs);
    log[failures.length ? 'error' : 'info']({ status: record.status, durationMs, reason: record.reason }, 'run finished');
    return record;
  } catch (err) {
    const durationMs = Date.now() - started;
    record = ledger.update(id, (r) => ({ ...r, status: 'failed', reason: errorMessage(err), finishedAt: new Date().toISOString(), durationMs }));
    ctx.metrics?.runFinished('failed', durationMs);
    log.error({ err: errorMessage(err), durationMs }, 'run failed');
    return record;
  } finally {
    clearInterval(heartbeat);
    lock.release();
  }
}

function modelFile(ledger: Ledger, id: string): string {
  return path.join(ledger.dir, 'models', `${id}.json`);
}

/** The run's report: reused from the archive when intact, else built, archived and recorded. */
async function ensureArtifacts(ctx: RunContext, record: RunRecord, log: Logger): Promise<ReportModel> {
  const { ledger, config } = ctx;
  const stored = modelFile(ledger, record.id);
  if (artifactsIntact(record.artifacts) && fs.existsSync(stored)) {
    log.info('artifacts already archived and intact; reusing them');
    return JSON.parse(fs.readFileSync(stored, 'utf8')) as ReportModel;
  }
  const customer = config.customers.find((c) => c.id === record.customer)!;
  const schedule = customer.schedules.find((s) => s.name === record.schedule);
  const formats = (schedule?.formats ?? ['pdf']) as Format[];
  const tmp = path.join(ledger.dir, 'tmp', record.id);
  fs.rmSync(tmp, { recursive: true, force: true });
  // A server that was down when the worker started (or since) fails the run here, with the reason.
  await ctx.storeReady?.();
  // An account never seen would be emailed an all-clear: hold the run (failed, with the reason) and send nothing.
  const missing = await missingTelemetry(ctx.target, customer.accountId, customer.zones);
  if (missing) throw new RuntimeFailure(`held: ${missing}; no report was built and nothing was sent (${LIST_ACCOUNTS_HINT})`);
  const window = resolveWindow({ from: record.window.from, to: record.window.to, tz: record.window.timezone });
  const result = await generateReport(ctx.target, { accountId: customer.accountId, zoneIds: customer.zones, window }, {
    formats, outDir: tmp, renderer: ctx.renderer, branding: ctx.branding.get(customer.id),
  });
  const artifacts = archive(result.files, config.output.dir, config.output.path, {
    customer: record.customer, schedule: record.schedule, from: record.window.from, to: record.window.to, runId: record.id,
  }, record.artifacts);
  mkdirOwnerOnly(path.dirname(stored));
  writeOwnerOnlySync(stored, JSON.stringify(result.model));
  fs.rmSync(tmp, { recursive: true, force: true });
  ledger.update(record.id, (r) => ({ ...r, artifacts }));
  log.info({ artifacts: artifacts.map((a) => ({ format: a.format, bytes: a.bytes, sha256: a.sha256 })) }, 'report archived');
  return result.model;
}

/** Emails every recipient not yet sent to; returns one line per recipient that failed. */
async function deliver(ctx: RunContext, record: RunRecord, model: ReportModel, customerName: string, log: Logger): Promise<string[]> {
  const { ledger, config } = ctx;
  if (!ctx.transport || !config.smtp) return ['no SMTP server is configured'];
  const smtp: SmtpSettings = config.smtp;
  const artifacts = record.artifacts ?? [];
  if (artifacts.length === 0) return ['the run has no artifact to send'];
  const pdf = artifacts.find((a) => a.format === 'pdf');
  const chart = await emailChart(model);
  const failures: string[] = [];
  for (const to of record.recipients) {
    const out = ledger.outbox(record.id, to);
    if (out.status === 'sent') continue;
    ledger.saveOutbox({ ...out, status: 'sending', attempts: out.attempts + 1, error: undefined });
    try {
      let mode: 'attachment' | 'note' = 'attachment';
      const info = await sendWithRetries(ctx.transport, smtp, async () => {
        const composed = composeEmail({
          model, branding: ctx.branding.get(record.customer)!, customerName, ...(pdf ? { pdf: { path: pdf.path, bytes: pdf.bytes } } : {}),
          messageId: out.messageId, to, maxMessageBytes: smtp.maxMessageBytes, chart,
        });
        mode = composed.mode;
        return composed.message;
      }, (attempt, err) => log.warn({ to, attempt, err: errorMessage(err) }, 'email attempt failed; retrying'));
      ledger.saveOutbox({ ...out, status: 'sent', attempts: out.attempts + 1, mode, sentAt: new Date().toISOString(), error: undefined });
      ctx.metrics?.emailSent(true);
      log.info({ to, mode, response: info.response }, 'email sent');
    } catch (err) {
      ledger.saveOutbox({ ...out, status: 'failed', attempts: out.attempts + 1, error: errorMessage(err) });
      ctx.metrics?.emailSent(false);
      failures.push(`email to ${to} failed: ${errorMessage(err)}`);
      log.error({ to, err: errorMessage(err) }, 'email failed');
    }
  }
  return failures;
}
