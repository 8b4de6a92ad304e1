/**
 * What the web app and the API do, once for both: each function takes the caller's principal, refuses what it
 * may not see as if it did not exist (404, so a token of customer A learns nothing about customer B), calls the
 * operation the CLI calls too, and audits what changes anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { WINDOW_KINDS, type CustomerConfig } from '../config/schema.js';
import type { LoadedConfig } from '../config/file.js';
import { UsageError, errorMessage } from '../errors.js';
import { FORMATS, type Format } from '../report/generate.js';
import { onDemandReport } from '../report/on-demand.js';
import { parseDuration, resolveWindow, type ReportWindow } from '../report/window.js';
import { generateIncidentReport } from '../report/incident.js';
import { listAttacks, type AttackListing } from '../report/attacks.js';
import { ATTACK_ID_PATTERN, ATTACK_ID_RULE } from '../util/attack-id.js';
import { LIST_ACCOUNTS_HINT } from '../report/presence.js';
import { windowFor } from '../scheduler/windows.js';
import { listSchedules, type ScheduleView } from '../scheduler/schedules.js';
import { PauseRefused, pauseSchedule as pauseOperation, resumeSchedule as resumeOperation } from '../scheduler/pauses.js';
import { runDetails, type RunDetails } from '../scheduler/run-details.js';
import type { Pause, RunPage, RunStatus } from '../scheduler/ledger.js';
import type { RunContext } from '../scheduler/runner.js';
import { DEFAULT_BRANDING } from '../render/branding.js';
import { previewSend } from '../scheduler/preview.js';
import { checkRecipients, checkResend, checkRetry, resendRun, retryRun, RunActionRefused } from '../scheduler/run-actions.js';
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from '../util/tenant-id.js';
import { type Job, type JobQueue } from './jobs.js';
import { hasScope, seesCustomer, type Principal } from './tokens.js';
import type { TokenStore } from './tokens.js';

export interface WebDeps {
  loaded: LoadedConfig;
  ctx: RunContext;
  tokens: TokenStore;
  jobs: JobQueue;
  now?: () => number;
}

/** A refusal with its HTTP status; the API answers it as JSON, a page as an error page. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

const tenantId = z.string().regex(TENANT_ID_PATTERN, `must be ${TENANT_ID_RULE}`);

export const reportInputSchema = z
  .object({
    customer: tenantId.optional().describe('a customer of the configuration (its account, zones, time zone and branding)'),
    account: tenantId.optional().describe('an account id in the telemetry, for tokens not limited to customers'),
    zones: z.array(tenantId).max(100).optional(),
    window: z.enum(WINDOW_KINDS).optional().describe('a window ending now, in the time zone'),
    from: z.string().max(40).optional().describe('ISO 8601 start (with to); without an offset it is read in tz'),
    to: z.string().max(40).optional(),
    tz: z.string().max(64).optional().describe("IANA time zone; default the customer's, else UTC"),
    formats: z.array(z.enum(FORMATS)).min(1).max(3).default(['pdf', 'html', 'json']),
    paper: z.enum(['a4', 'letter']).default('a4'),
    landscape: z.boolean().default(false),
    allowEmpty: z.boolean().default(false).describe('produce the report even for an account with no telemetry at all'),
    attack: z.string().regex(ATTACK_ID_PATTERN, `must be ${ATTACK_ID_RULE}`).optional().describe("an incident report of this attack (ids from …/attacks): the attack's own window at one-minute resolution; no window, from or to"),
  })
  .strict();
export type ReportInput = z.infer<typeof reportInputSchema>;

export const runQuerySchema = z
  .object({
    customer: tenantId.optional(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'skipped']).optional(),
    schedule: z.string().max(64).optional(),
    since: z.string().max(40).optional().describe('ISO 8601 instant, or a duration back from now (7d, 24h)'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type RunQueryInput = z.infer<typeof runQuerySchema>;

export function visibleCustomers(deps: WebDeps, p: Principal): CustomerConfig[] {
  return deps.loaded.config.customers.filter((c) => seesCustomer(p, c.id));
}

export function customerFor(deps: WebDeps, p: Principal, id: string): CustomerConfig {
  const c = deps.loaded.config.customers.find((cu) => cu.id === id);
  if (!c || !seesCustomer(p, c.id)) throw new HttpError(404, 'not_found', `no customer ${JSON.stringify(id)}`);
  return c;
}

const now = (deps: WebDeps) => (deps.now ? deps.now() : Date.now());

/** A window from the input: a named window ending now in the zone, or from/to (messages name the field). */
function windowOf(input: ReportInput, zone: string, nowMs: number): ReportWindow {
  try {
    if (input.window !== undefined) {
      if (input.from !== undefined || input.to !== undefined) throw new UsageError('give either window or from and to, not both');
      // A window ending now ends with the current minute, as `generate --last` does: no "widened" note for it.
      const w = windowFor(input.window, zone, Math.ceil(nowMs / 60_000) * 60_000);
      return resolveWindow({ from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString(), tz: zone }, nowMs);
    }
    if (input.from === undefined && input.to === undefined) throw new UsageError(`a window is required: window (${WINDOW_KINDS.join(', ')}), or from and to`);
    return resolveWindow({ from: input.from, to: input.to, tz: zone }, nowMs);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new HttpError(400, 'invalid_window', errorMessage(err).replace(/--(from|to|last|tz)\b/g, '$1'));
  }
}

/** Queues an on-demand report; the job's files are the report's formats. */
export function submitReport(deps: WebDeps, p: Principal, input: ReportInput): Job {
  if ((input.customer === undefined) === (input.account === undefined)) throw new HttpError(400, 'invalid_request', 'give exactly one of customer or account');
  let accountId: string;
  let zoneIds: string[];
  let zone: string;
  let customerId: string;
  let branding = DEFAULT_BRANDING;
  if (input.customer !== undefined) {
    const c = customerFor(deps, p, input.customer);
    accountId = c.accountId;
    const extra = (input.zones ?? []).filter((z) => c.zones.length > 0 && !c.zones.includes(z));
    if (extra.length) throw new HttpError(400, 'invalid_request', `zones ${extra.join(', ')} are not zones of customer ${c.id} (${c.zones.join(', ')})`);
    zoneIds = input.zones ?? c.zones;
    zone = input.tz ?? c.timezone;
    customerId = c.id;
    branding = deps.ctx.branding.get(c.id) ?? DEFAULT_BRANDING;
  } else {
    // A raw account is every customer's data at once: only a principal that sees every customer may ask.
    if (p.customers) throw new HttpError(403, 'forbidden', `${p.name} is limited to customers (${p.customers.join(', ')}); ask by customer, not by account`);
    accountId = input.account!;
    zoneIds = input.zones ?? [];
    zone = input.tz ?? 'UTC';
    customerId = `account:${accountId}`;
  }
  const formats = input.formats as Format[];
  if (input.attack !== undefined) return submitIncident(deps, p, input, { accountId, zoneIds, zone, customerId, branding, formats });
  const window = windowOf(input, zone, now(deps));
  const title = `${input.customer ?? accountId}${zoneIds.length ? ` (${zoneIds.join(', ')})` : ''}, ${new Date(window.fromMs).toISOString().slice(0, 16)}Z to ${new Date(window.toMs).toISOString().slice(0, 16)}Z`;
  const job = deps.jobs.submit({ kind: 'report', customer: customerId, by: p.name, title }, async (h) => {
    deps.ctx.log.info({ job: h.job.id, by: p.name, account: accountId, window: { from: window.fromMs, to: window.toMs } }, 'report job started');
    await deps.ctx.storeReady?.();
    const result = await onDemandReport(deps.ctx.target, { accountId, zoneIds, window }, {
      formats, outDir: h.job.dir, renderer: deps.ctx.renderer, branding, page: { paper: input.paper === 'letter' ? 'Letter' : 'A4', landscape: input.landscape },
      allowEmpty: input.allowEmpty, emptyHint: `Check the id (${LIST_ACCOUNTS_HINT}), or ask with allowEmpty to produce the report anyway`,
      onStage: (s) => h.stage(s),
    });
    return {
      files: Object.entries(result.files).map(([format, file]) => ({ format, path: file!, name: path.basename(file!), bytes: fs.statSync(file!).size })),
      result: { notes: result.model.notes, dataEndsEarly: result.model.coverage.dataEndsEarly, summary: result.model.summary.sentences, timings: result.timings },
    };
  });
  deps.ctx.ledger.audit({ by: p.name, action: 'report', ...(input.customer ? { customer: input.customer } : {}), detail: `job ${job.id}: ${title}, ${formats.join(',')}` });
  return job;
}

export const previewInputSchema = z
  .object({
    window: z.enum(WINDOW_KINDS).default('previous-day').describe('the window a send now would cover, ending now in the customer\'s time zone'),
    to: z.array(z.string().max(320)).min(1).max(50).optional().describe("addresses instead of the customer's recipients, each inside its allowed domains"),
  })
  .strict();
export type PreviewInput = z.infer<typeof previewInputSchema>;

/** Queues an email preview: the report built into the job's directory and each email composed, nothing sent or recorded. */
export function submitPreview(deps: WebDeps, p: Principal, customer: string, input: PreviewInput): Job {
  const c = customerFor(deps, p, customer);
  const recipients = input.to ? refusedAs(() => checkRecipients(c.allowedDomains, c.id, input.to!)) : c.recipients;
  const nowMs = now(deps);
  const w = windowFor(input.window, c.timezone, Math.ceil(nowMs / 60_000) * 60_000);
  const job = deps.jobs.submit({ kind: 'preview', customer: c.id, by: p.name, title: `email preview for ${c.id}, ${input.window}` }, async (h) => {
    await deps.ctx.storeReady?.();
    h.stage('querying');
    const preview = await previewSend(deps.ctx, deps.loaded.config, c, deps.ctx.branding.get(c.id) ?? DEFAULT_BRANDING, w, recipients, h.job.dir);
    return {
      files: preview.files.map((file) => ({ format: path.extname(file).slice(1), path: file, name: path.basename(file), bytes: fs.statSync(file).size })),
      result: { emails: preview.emails, window: { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() } },
    };
  });
  deps.ctx.ledger.audit({ by: p.name, action: 'preview', customer: c.id, detail: `job ${job.id}: ${input.window} to ${recipients.join(', ')}` });
  return job;
}

const REFUSAL_STATUS: Record<RunActionRefused['kind'], number> = { 'not-found': 404, state: 409, address: 400, archive: 409, config: 409 };

/** Runs a check of the run actions, answering its refusal with the matching HTTP status. */
function refusedAs<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof RunActionRefused) throw new HttpError(REFUSAL_STATUS[err.kind], err.kind === 'address' ? 'invalid_recipient' : err.kind.replace('-', '_'), err.message);
    throw err;
  }
}

/** Queues a retry of a failed or skipped run: its report (reused from the archive when intact) to the recipients not yet sent to. */
export function submitRetry(deps: WebDeps, p: Principal, id: string): Job {
  const { run } = runFor(deps, p, id);
  refusedAs(() => checkRetry(deps.ctx, run.id));
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
export function submitResend(deps: WebDeps, p: Principal, id: string, to: string[] | undefined): Job {
  const { run } = runFor(deps, p, id);
  const c = customerFor(deps, p, run.customer);
  refusedAs(() => checkResend(deps.ctx, run.id));
  const recipients = to ? refusedAs(() => checkRecipients(c.allowedDomains, c.id, to)) : undefined;
  return deps.jobs.submit({ kind: 'resend', customer: run.customer, by: p.name, title: `re-send of run ${run.id}` }, async (h) => {
    h.stage('sending');
    const r = await resendRun(deps.ctx, run.id, { ...(recipients ? { to: recipients } : {}), actor: p.name });
    if (r.failures.length) throw new Error(`${r.resend.id} of run ${run.id}: ${r.failures.join('; ')}`);
    return { result: { resend: r.resend, deliveries: r.deliveries, sent: `${r.resend.id} of run ${run.id}: sent to ${r.resend.recipients.join(', ')}` } };
  });
}

/** Queues the incident report of one attack; an unknown id (or another account's) fails the job naming it. */
function submitIncident(
  deps: WebDeps, p: Principal, input: ReportInput,
  t: { accountId: string; zoneIds: string[]; zone: string; customerId: string; branding: typeof DEFAULT_BRANDING; formats: Format[] },
): Job {
  if (input.window !== undefined || input.from !== undefined || input.to !== undefined) throw new HttpError(400, 'invalid_request', 'an incident report covers its attack\'s own window: give attack without window, from or to');
  const title = `incident ${input.attack} of ${input.customer ?? t.accountId}`;
  const job = deps.jobs.submit({ kind: 'incident', customer: t.customerId, by: p.name, title }, async (h) => {
    await deps.ctx.storeReady?.();
    const result = await generateIncidentReport(deps.ctx.target, { accountId: t.accountId, zoneIds: t.zoneIds, attackId: input.attack!, tz: t.zone }, {
      formats: t.formats, outDir: h.job.dir, renderer: deps.ctx.renderer, branding: t.branding, page: { paper: input.paper === 'letter' ? 'Letter' : 'A4', landscape: input.landscape },
      onStage: (s) => h.stage(s),
    });
    return {
      files: Object.entries(result.files).map(([format, file]) => ({ format, path: file!, name: path.basename(file!), bytes: fs.statSync(file!).size })),
      result: { notes: result.model.notes, summary: result.model.summary.sentences, timings: result.timings },
    };
  });
  deps.ctx.ledger.audit({ by: p.name, action: 'incident-report', ...(input.customer ? { customer: input.customer } : {}), detail: `job ${job.id}: ${title}, ${t.formats.join(',')}` });
  return job;
}

export const attackQuerySchema = z
  .object({
    since: z.string().regex(/^\d+\s*[hdw]$/, 'must be a duration such as 24h, 30d or 2w').default('30d'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

/** The customer's attacks in the last `since`, newest first, each with the id an incident report is asked by. */
export async function attacksOf(deps: WebDeps, p: Principal, customer: string, q: z.infer<typeof attackQuerySchema>): Promise<AttackListing> {
  const c = customerFor(deps, p, customer);
  const toMs = Math.ceil(now(deps) / 60_000) * 60_000;
  const fromMs = toMs - parseDuration(q.since, 'since');
  await deps.ctx.storeReady?.();
  return listAttacks(deps.ctx.target, { accountId: c.accountId, zoneIds: c.zones, fromMs, toMs, limit: q.limit });
}

/** A job the principal may see, else 404. */
export function jobFor(deps: WebDeps, p: Principal, id: string): Job {
  const job = deps.jobs.get(id);
  const customer = job?.customer.startsWith('account:') ? undefined : job?.customer;
  const visible = job && (customer === undefined ? !p.customers : seesCustomer(p, customer));
  if (!job || !visible) throw new HttpError(404, 'not_found', `no job ${JSON.stringify(id)}`);
  return job;
}

export function schedulesFor(deps: WebDeps, p: Principal, customer?: string): ScheduleView[] {
  if (customer !== undefined) customerFor(deps, p, customer);
  return listSchedules(deps.loaded.config, deps.ctx.ledger, now(deps), customer ? { customer } : {}).filter((v) => seesCustomer(p, v.customer));
}

const PAUSE_STATUS: Record<PauseRefused['kind'], number> = { 'not-found': 404, invalid: 400, 'not-paused': 409 };

function pauseRefusedAs<T>(action: () => T): T {
  try {
    return action();
  } catch (err) {
    if (err instanceof PauseRefused) throw new HttpError(PAUSE_STATUS[err.kind], err.kind.replace('-', '_'), err.message);
    throw err;
  }
}

export function pauseSchedule(deps: WebDeps, p: Principal, customer: string, schedule: string | undefined, reason: string | undefined): Pause {
  const c = customerFor(deps, p, customer);
  const pause = pauseRefusedAs(() => pauseOperation(deps.ctx.ledger, deps.loaded.config, { customer: c.id, ...(schedule ? { schedule } : {}), by: p.name, ...(reason ? { reason } : {}) }, now(deps)));
  deps.ctx.log.info({ by: p.name, customer: c.id, schedule: schedule ?? '*', reason }, 'schedule paused');
  return pause;
}

export function resumeSchedule(deps: WebDeps, p: Principal, customer: string, schedule: string | undefined): void {
  const c = customerFor(deps, p, customer);
  pauseRefusedAs(() => resumeOperation(deps.ctx.ledger, deps.loaded.config, { customer: c.id, ...(schedule ? { schedule } : {}), by: p.name }));
  deps.ctx.log.info({ by: p.name, customer: c.id, schedule: schedule ?? '*' }, 'schedule resumed');
}

export function runsFor(deps: WebDeps, p: Principal, q: RunQueryInput): RunPage {
  if (q.customer !== undefined) customerFor(deps, p, q.customer);
  let sinceMs: number | undefined;
  if (q.since !== undefined) {
    const d = /^(\d+)\s*([mhdw])$/.exec(q.since.trim());
    sinceMs = d ? now(deps) - Number(d[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[d[2] as 'm']! : Date.parse(q.since);
    if (Number.isNaN(sinceMs)) throw new HttpError(400, 'invalid_request', `since ${JSON.stringify(q.since)} is neither an ISO 8601 instant nor a duration such as 7d`);
  }
  return deps.ctx.ledger.query({
    ...(q.customer ? { customer: q.customer } : {}), ...(p.customers ? { customers: [...p.customers] } : {}),
    ...(q.status ? { status: q.status as RunStatus } : {}), ...(q.schedule ? { schedule: q.schedule } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}), limit: q.limit, offset: q.offset,
  });
}

export function runFor(deps: WebDeps, p: Principal, id: string): RunDetails {
  const details = /^[A-Za-z0-9._-]{1,200}$/.test(id) ? runDetails(deps.ctx.ledger, id) : undefined;
  if (!details || !seesCustomer(p, details.run.customer)) throw new HttpError(404, 'not_found', `no run ${JSON.stringify(id)}`);
  return details;
}

/** Whether the principal may use the actions of a page (to show or hide its buttons; the routes check again). */
export const may = (p: Principal, scope: 'generate' | 'send' | 'admin'): boolean => hasScope(p, scope);
