/**
 * The HTTP API (/api/v1): JSON in and out, validated by zod schemas that also write the OpenAPI document.
 * Each route is a thin shell over src/web/actions.ts, which the web app's pages call too.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TENANT_ID_PATTERN } from '../util/tenant-id.js';
import {
  customerFor, HttpError, jobFor, pauseSchedule, resumeSchedule, runFor, runQuerySchema, runsFor, schedulesFor, visibleCustomers, visibleJobs, type WebDeps,
} from './actions.js';
import { attackQuerySchema, attacksOf, reportInputSchema, submitReport } from './report-actions.js';
import { previewInputSchema, resendInputSchema, submitPreview, submitResend, submitRetry } from './run-actions.js';
import type { Job } from './jobs.js';
import { sendReportFile } from './downloads.js';
import type { Principal } from './tokens.js';

const P = '/api/v1';
const customerParam = z.object({ customer: z.string().regex(TENANT_ID_PATTERN, 'is not a valid customer id') });
const jobParam = z.object({ job: z.string().regex(/^[0-9a-f]{16}$/, 'is not a job id') });
const runParam = z.object({ run: z.string().min(1).max(200) });

/** A job as the API shows it: state, stage, and a URL per file once it succeeded. */
export function jobView(job: Job) {
  return {
    id: job.id, kind: job.kind, customer: job.customer, by: job.by, title: job.title, state: job.state, ...(job.stage ? { stage: job.stage } : {}),
    createdAt: job.createdAt, ...(job.startedAt ? { startedAt: job.startedAt } : {}), ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    ...(job.error ? { error: job.error } : {}),
    files: job.files.map((f) => ({ format: f.format, name: f.name, bytes: f.bytes, url: `${P}/reports/${job.id}/files/${f.format}` })),
    ...(job.result !== undefined ? { result: job.result } : {}),
    url: `${P}/reports/${job.id}`,
  };
}

const principal = (req: { principal?: Principal }): Principal => req.principal!;

export async function registerApi(root: FastifyInstance, deps: WebDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = (t: string) => ({ tags: [t] });

  app.get(`${P}/customers`, { config: { auth: 'read' }, schema: { ...tags('customers'), summary: 'The customers this token may see' } }, async (req) => ({
    customers: visibleCustomers(deps, principal(req)).map((c) => ({ id: c.id, name: c.name, accountId: c.accountId, zones: c.zones, timezone: c.timezone, schedules: c.schedules.map((s) => s.name) })),
  }));

  app.get(`${P}/customers/:customer`, { config: { auth: 'read' }, schema: { ...tags('customers'), params: customerParam, summary: 'One customer with its schedules' } }, async (req) => {
    const c = customerFor(deps, principal(req), req.params.customer);
    return { id: c.id, name: c.name, accountId: c.accountId, zones: c.zones, timezone: c.timezone, schedules: await schedulesFor(deps, principal(req), c.id) };
  });

  app.get(`${P}/customers/:customer/attacks`, {
    config: { auth: 'read' },
    schema: { ...tags('customers'), params: customerParam, querystring: attackQuerySchema, summary: "The customer's attacks (newest first), with the ids incident reports are asked by" },
  }, async (req) => attacksOf(deps, principal(req), req.params.customer, req.query));

  app.post(`${P}/reports`, {
    config: { auth: 'generate' },
    schema: { ...tags('reports'), body: reportInputSchema, summary: 'Queue an on-demand report; 202 with the job, 429 with Retry-After when the queue is full' },
  }, async (req, reply) => {
    const job = await submitReport(deps, principal(req), req.body);
    return reply.code(202).header('location', `${P}/reports/${job.id}`).send(jobView(job));
  });

  app.get(`${P}/reports/:job`, { config: { auth: 'read' }, schema: { ...tags('reports'), params: jobParam, summary: 'A report job: state, stage, files' } }, async (req) =>
    jobView(jobFor(deps, principal(req), req.params.job)));

  app.get(`${P}/reports/:job/files/:format`, {
    config: { auth: 'read' },
    schema: {
      ...tags('reports'), params: jobParam.extend({ format: z.enum(['pdf', 'html', 'json']) }), querystring: z.object({ inline: z.enum(['0', '1']).optional() }).strict(),
      summary: 'Download one file of a finished report job (inline=1 shows it in the browser)',
    },
  }, async (req, reply) => {
    const job = jobFor(deps, principal(req), req.params.job);
    const file = job.files.find((f) => f.format === req.params.format);
    if (!file) throw new HttpError(job.state === 'succeeded' ? 404 : 409, job.state === 'succeeded' ? 'not_found' : 'not_ready', job.state === 'succeeded' ? `job ${job.id} has no ${req.params.format} file` : `job ${job.id} is ${job.state}; its files are there once it succeeded`);
    return sendReportFile(reply, file.path, file.format, file.name, req.query.inline === '1');
  });

  app.get(`${P}/jobs`, { config: { auth: 'read' }, schema: { ...tags('reports'), summary: 'The jobs of this server this token may see, newest first' } }, async (req) => ({
    jobs: visibleJobs(deps, principal(req)).map(jobView),
  }));

  app.get(`${P}/schedules`, {
    config: { auth: 'read' },
    schema: { ...tags('schedules'), querystring: z.object({ customer: z.string().regex(TENANT_ID_PATTERN).optional() }).strict(), summary: 'Every schedule with its next run in the customer\'s time zone' },
  }, async (req) => ({ schedules: await schedulesFor(deps, principal(req), req.query.customer) }));

  const pauseBody = z.object({ schedule: z.string().min(1).max(64).optional(), reason: z.string().max(200).optional() }).strict();
  app.post(`${P}/customers/:customer/pause`, {
    config: { auth: 'admin' }, schema: { ...tags('schedules'), params: customerParam, body: pauseBody, summary: 'Pause one schedule, or every schedule of the customer' },
  }, async (req) => ({ paused: await pauseSchedule(deps, principal(req), req.params.customer, req.body.schedule, req.body.reason) }));

  app.post(`${P}/customers/:customer/resume`, {
    config: { auth: 'admin' }, schema: { ...tags('schedules'), params: customerParam, body: pauseBody.pick({ schedule: true }), summary: 'Lift a pause' },
  }, async (req) => {
    await resumeSchedule(deps, principal(req), req.params.customer, req.body.schedule);
    return { resumed: { customer: req.params.customer, schedule: req.body.schedule ?? '*' } };
  });

  app.post(`${P}/customers/:customer/preview`, {
    config: { auth: 'send' },
    schema: { ...tags('schedules'), params: customerParam, body: previewInputSchema, summary: 'Queue an email preview: each email composed (subject, body, attachment), nothing sent, archived or recorded' },
  }, async (req, reply) => {
    const job = await submitPreview(deps, principal(req), req.params.customer, req.body);
    return reply.code(202).header('location', `${P}/reports/${job.id}`).send(jobView(job));
  });

  app.get(`${P}/runs`, { config: { auth: 'read' }, schema: { ...tags('runs'), querystring: runQuerySchema, summary: 'Run history, newest first, paged' } }, async (req) => {
    const page = await runsFor(deps, principal(req), req.query);
    const nextOffset = req.query.offset + page.runs.length;
    const params = new URLSearchParams(Object.entries({ ...req.query, offset: String(nextOffset) }).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    return { runs: page.runs, total: page.total, limit: req.query.limit, offset: req.query.offset, next: nextOffset < page.total ? `${P}/runs?${params}` : null };
  });

  app.get(`${P}/runs/:run`, { config: { auth: 'read' }, schema: { ...tags('runs'), params: runParam, summary: 'One run: attempts, reasons, artifacts, each recipient\'s send status, its audit trail' } }, async (req) =>
    await runFor(deps, principal(req), req.params.run));

  app.post(`${P}/runs/:run/retry`, {
    config: { auth: 'send' },
    schema: { ...tags('runs'), params: runParam, summary: 'Queue a retry of a failed or skipped run (its archived report reused; recipients already sent to are not sent again)' },
  }, async (req, reply) => {
    const job = await submitRetry(deps, principal(req), req.params.run);
    return reply.code(202).header('location', `${P}/reports/${job.id}`).send(jobView(job));
  });

  app.post(`${P}/runs/:run/resend`, {
    config: { auth: 'send' },
    schema: { ...tags('runs'), params: runParam, body: resendInputSchema, summary: "Queue a re-send of a run's archived report, to its recipients or to allow-listed addresses" },
  }, async (req, reply) => {
    const job = await submitResend(deps, principal(req), req.params.run, req.body.to);
    return reply.code(202).header('location', `${P}/reports/${job.id}`).send(jobView(job));
  });

  app.get(`${P}/audit`, {
    config: { auth: 'admin' },
    schema: { ...tags('runs'), querystring: z.object({ customer: z.string().regex(TENANT_ID_PATTERN).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict(), summary: 'The audit trail: who did what, when' },
  }, async (req) => {
    const p = principal(req);
    if (req.query.customer) customerFor(deps, p, req.query.customer);
    const entries = (await deps.ctx.ledger.auditTrail({ ...(req.query.customer ? { customer: req.query.customer } : {}) })).filter((e) => !p.customers || (e.customer !== undefined && p.customers.includes(e.customer)));
    return { entries: entries.slice(-req.query.limit).reverse() };
  });
}
