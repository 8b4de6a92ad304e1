/**
 * The actions on runs and emails of the web app and the API: the email preview, retry and re-send. Each is
 * checked at once (a refusal answered 404, 409 or 400 before anything is queued), then queued as a job that
 * calls the operation the CLI calls (src/scheduler/preview.ts, run-actions.ts).
 */
import { z } from 'zod';
import { WINDOW_KINDS } from '../config/schema.js';
import { DEFAULT_BRANDING } from '../render/branding.js';
import { previewSend } from '../scheduler/preview.js';
import { checkRecipients, checkResend, checkRetry, resendRun, retryRun, RunActionRefused } from '../scheduler/run-actions.js';
import { windowFor } from '../scheduler/windows.js';
import { customerFor, HttpError, now, runFor, type WebDeps } from './actions.js';
import { jobFiles, type Job } from './jobs.js';
import type { Principal } from './tokens.js';

export const previewInputSchema = z
  .object({
    window: z.enum(WINDOW_KINDS).default('previous-day').describe('the window a send now would cover, ending now in the customer\'s time zone'),
    to: z.array(z.string().max(320)).min(1).max(50).optional().describe("addresses instead of the customer's recipients, each inside its allowed domains"),
  })
  .strict();
export type PreviewInput = z.infer<typeof previewInputSchema>;

/** Queues an email preview: the report built into the job's directory and each email composed, nothing sent or recorded. */
export async function submitPreview(deps: WebDeps, p: Principal, customer: string, input: PreviewInput): Promise<Job> {
  const c = customerFor(deps, p, customer);
  const recipients = input.to ? await refusedAs(async () => checkRecipients(c.allowedDomains, c.id, input.to!)) : c.recipients;
  const nowMs = now(deps);
  const w = windowFor(input.window, c.timezone, Math.ceil(nowMs / 60_000) * 60_000);
  const job = deps.jobs.submit({ kind: 'preview', customer: c.id, by: p.name, title: `email preview for ${c.id}, ${input.window}` }, async (h) => {
    await deps.ctx.storeReady?.();
    h.stage('querying');
    const preview = await previewSend(deps.ctx, deps.loaded.config, c, deps.ctx.branding.get(c.id) ?? DEFAULT_BRANDING, w, recipients, h.job.dir);
    return {
      files: jobFiles(preview.files),
      result: { emails: preview.emails, window: { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() } },
    };
  });
  await deps.ctx.ledger.audit({ by: p.name, action: 'preview', customer: c.id, detail: `job ${job.id}: ${input.window} to ${recipients.join(', ')}` });
  return job;
}

const REFUSAL_STATUS: Record<RunActionRefused['kind'], number> = { 'not-found': 404, state: 409, address: 400, archive: 409, config: 409 };

/** Runs a check of the run actions, answering its refusal with the matching HTTP status. */
async function refusedAs<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof RunActionRefused) throw new HttpError(REFUSAL_STATUS[err.kind], err.kind === 'address' ? 'invalid_recipient' : err.kind.replace('-', '_'), err.message);
    throw err;
  }
}

/** Queues a retry of a failed or skipped run: its report (reused from the archive when intact) to the recipients not yet sent to. */
export async function submitRetry(deps: WebDeps, p: Principal, id: string): Promise<Job> {
  const { run } = await runFor(deps, p, id);
  await refusedAs(() => checkRetry(deps.ctx, run.id));
  return deps.jobs.submit({ kind: 'retry', customer: run.customer, by: p.name, title: `retry of run ${run.id}` }, async (h) => {
    h.stage('running');
    const after = await retryRun(deps.ctx, run.id, p.name);
    if (after.status !== 'succeeded') throw new Error(`run ${run.id} ${after.status}: ${after.reason ?? ''}`);
    return { result: { run: after, sent: `run ${run.id} succeeded; sent to ${after.recipients.join(', ')}` } };
  });
}

export const resendInputSchema = z
  .object({ to: z.array(z.string().max(320)).min(1).max(50).optional().describe("addresses instead of the run's recipients, each inside the customer's allowed domains") })
  .strict();

/** Queues a re-send of a run's archived report to its recipients or to `to` (allow-listed); never rebuilt. */
export async function submitResend(deps: WebDeps, p: Principal, id: string, to: string[] | undefined): Promise<Job> {
  const { run } = await runFor(deps, p, id);
  const c = customerFor(deps, p, run.customer);
  await refusedAs(() => checkResend(deps.ctx, run.id));
  const recipients = to ? await refusedAs(async () => checkRecipients(c.allowedDomains, c.id, to)) : undefined;
  return deps.jobs.submit({ kind: 'resend', customer: run.customer, by: p.name, title: `re-send of run ${run.id}` }, async (h) => {
    h.stage('sending');
    const r = await resendRun(deps.ctx, run.id, { ...(recipients ? { to: recipients } : {}), actor: p.name });
    if (r.failures.length) throw new Error(`${r.resend.id} of run ${run.id}: ${r.failures.join('; ')}`);
    return { result: { resend: r.resend, deliveries: r.deliveries, sent: `${r.resend.id} of run ${run.id}: sent to ${r.resend.recipients.join(', ')}` } };
  });
}
