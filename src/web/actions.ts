/**
 * What the web app and the API do, once for both: each function takes the caller's principal, refuses what it
 * may not see as if it did not exist (404, so a token of customer A learns nothing about customer B), calls the
 * operation the CLI calls too, and audits what changes anything. Report jobs are in report-actions.ts, the
 * actions on runs and emails in run-actions.ts.
 */
import { z } from 'zod';
import type { CustomerConfig } from '../config/schema.js';
import type { LoadedConfig } from '../config/file.js';
import { listSchedules, type ScheduleView } from '../scheduler/schedules.js';
import { PauseRefused, pauseSchedule as pauseOperation, resumeSchedule as resumeOperation } from '../scheduler/pauses.js';
import { runDetails, type RunDetails } from '../scheduler/run-details.js';
import type { Pause, RunPage, RunStatus } from '../scheduler/ledger.js';
import type { RunContext } from '../scheduler/runner.js';
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from '../util/tenant-id.js';
import type { Job, JobQueue } from './jobs.js';
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

export const tenantId = z.string().regex(TENANT_ID_PATTERN, `must be ${TENANT_ID_RULE}`);

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

export const now = (deps: WebDeps) => (deps.now ? deps.now() : Date.now());

/** A job the principal may see, else 404. */
/** A job of a raw account is every customer's data: only a principal that sees every customer sees it. */
const seesJob = (p: Principal, job: Job): boolean => (job.customer.startsWith('account:') ? !p.customers : seesCustomer(p, job.customer));

export function jobFor(deps: WebDeps, p: Principal, id: string): Job {
  const job = deps.jobs.get(id);
  if (!job || !seesJob(p, job)) throw new HttpError(404, 'not_found', `no job ${JSON.stringify(id)}`);
  return job;
}

export async function schedulesFor(deps: WebDeps, p: Principal, customer?: string): Promise<ScheduleView[]> {
  if (customer !== undefined) customerFor(deps, p, customer);
  return (await listSchedules(deps.loaded.config, deps.ctx.ledger, now(deps), customer ? { customer } : {})).filter((v) => seesCustomer(p, v.customer));
}

const PAUSE_STATUS: Record<PauseRefused['kind'], number> = { 'not-found': 404, invalid: 400, 'not-paused': 409 };

async function pauseRefusedAs<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof PauseRefused) throw new HttpError(PAUSE_STATUS[err.kind], err.kind.replace('-', '_'), err.message);
    throw err;
  }
}

export async function pauseSchedule(deps: WebDeps, p: Principal, customer: string, schedule: string | undefined, reason: string | undefined): Promise<Pause> {
  const c = customerFor(deps, p, customer);
  const pause = await pauseRefusedAs(() => pauseOperation(deps.ctx.ledger, deps.loaded.config, { customer: c.id, ...(schedule ? { schedule } : {}), by: p.name, ...(reason ? { reason } : {}) }, now(deps)));
  deps.ctx.log.info({ by: p.name, customer: c.id, schedule: schedule ?? '*', reason }, 'schedule paused');
  return pause;
}

export async function resumeSchedule(deps: WebDeps, p: Principal, customer: string, schedule: string | undefined): Promise<void> {
  const c = customerFor(deps, p, customer);
  await pauseRefusedAs(() => resumeOperation(deps.ctx.ledger, deps.loaded.config, { customer: c.id, ...(schedule ? { schedule } : {}), by: p.name }));
  deps.ctx.log.info({ by: p.name, customer: c.id, schedule: schedule ?? '*' }, 'schedule resumed');
}

export async function runsFor(deps: WebDeps, p: Principal, q: RunQueryInput): Promise<RunPage> {
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

export async function runFor(deps: WebDeps, p: Principal, id: string): Promise<RunDetails> {
  const details = /^[A-Za-z0-9._-]{1,200}$/.test(id) ? await runDetails(deps.ctx.ledger, id) : undefined;
  if (!details || !seesCustomer(p, details.run.customer)) throw new HttpError(404, 'not_found', `no run ${JSON.stringify(id)}`);
  return details;
}

/** The jobs of this server the principal may see, newest first. */
export function visibleJobs(deps: WebDeps, p: Principal): Job[] {
  return deps.jobs.list().filter((j) => seesJob(p, j));
}

/** Whether the principal may use the actions of a page (to show or hide its buttons; the routes check again). */
export const may = (p: Principal, scope: 'generate' | 'send' | 'admin'): boolean => hasScope(p, scope);
