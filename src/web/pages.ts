/**
 * The web app: server-rendered pages over the same actions as the API (src/web/actions.ts). No script: forms
 * post with the session's CSRF token, a report in progress refreshes its page, and the finished report is shown
 * in a sandboxed frame with the report's own policy.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WINDOW_KINDS } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import {
  customerFor, jobFor, may, pauseSchedule, resumeSchedule, runFor, runQuerySchema, runsFor, schedulesFor, visibleCustomers, visibleJobs, HttpError, type WebDeps,
} from './actions.js';
import { attacksOf, reportInputSchema, submitReport } from './report-actions.js';
import { previewInputSchema, submitPreview, submitResend, submitRetry } from './run-actions.js';
import { jobView } from './api.js';
import type { Job } from './jobs.js';
import { APP_CSS, renderPage, type PageContext } from './views.js';
import type { Principal } from './tokens.js';

const STAGES = ['querying', 'rendering', 'printing', 'writing'];
const HEADINGS: Record<Job['kind'], string> = { report: 'Report', incident: 'Incident report', preview: 'Email preview', retry: 'Retry', resend: 'Re-send' };

type Form = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Only the app's own paths are followed after a form: never an address given in the request. */
const localPath = (v: string | undefined, fallback: string) => (v && /^\/(?!\/)[A-Za-z0-9/_.?=&%-]*$/.test(v) ? v : fallback);

function page(reply: FastifyReply, name: string, ctx: PageContext): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderPage(name, ctx));
}

function base(req: FastifyRequest, reply: FastifyReply, title: string): PageContext {
  return { title, user: req.principal?.name, csrf: reply.generateCsrf() };
}

export function renderErrorPage(reply: FastifyReply, message: string, principal?: Principal): FastifyReply {
  let csrf: string | undefined;
  try {
    csrf = principal ? reply.generateCsrf() : undefined;
  } catch {
    csrf = undefined;
  }
  return page(reply, 'error', { title: reply.statusCode === 404 ? 'Not found' : reply.statusCode === 429 ? 'Busy' : 'Something went wrong', message, user: principal?.name, csrf });
}

export async function registerPages(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const P = (req: FastifyRequest): Principal => req.principal!;
  const read = { config: { auth: 'read' as const, page: true }, schema: { hide: true } };

  app.get('/static/app.css', { config: { auth: 'public' }, schema: { hide: true } }, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(APP_CSS));

  app.get('/login', { config: { auth: 'public', page: true }, schema: { hide: true } }, async (req, reply) => {
    const next = localPath(one((req.query as Form).next), '/');
    return page(reply, 'login', { title: 'Sign in', csrf: reply.generateCsrf(), next });
  });

  app.post('/login', { config: { auth: 'public', page: true }, schema: { hide: true }, preHandler: app.csrfProtection }, async (req, reply) => {
    const form = req.body as Form;
    const v = deps.tokens.verify(one(form.token) ?? '');
    if ('refused' in v) {
      deps.ctx.log.warn({ ip: req.ip, reason: v.refused }, 'sign-in refused');
      return page(reply.code(401), 'login', { title: 'Sign in', csrf: reply.generateCsrf(), next: localPath(one(form.next), '/'), error: 'That token is not valid (unknown, revoked or expired).' });
    }
    // A new session id at sign-in: an id planted before it (session fixation) is worth nothing after.
    await req.session.regenerate();
    req.session.tokenId = v.record.id;
    await deps.ctx.ledger.audit({ by: v.record.name, action: 'sign-in', detail: `from ${req.ip}` });
    return reply.redirect(localPath(one(form.next), '/'), 303);
  });

  app.post('/logout', { config: { auth: 'read', page: true }, schema: { hide: true } }, async (req, reply) => {
    await req.session.destroy();
    return reply.redirect('/login', 303);
  });

  app.get('/', read, async (req, reply) => {
    const p = P(req);
    const jobs = visibleJobs(deps, p).slice(0, 20);
    return page(reply, 'customers', { ...base(req, reply, 'Customers'), customers: visibleCustomers(deps, p), jobs });
  });

  app.get('/customers/:customer', read, async (req, reply) => {
    const p = P(req);
    const c = customerFor(deps, p, (req.params as { customer: string }).customer);
    const runs = (await runsFor(deps, p, { customer: c.id, limit: 10, offset: 0 })).runs;
    // The page still serves its forms and history when the store does not answer; it says why the attacks are missing.
    let attacks: unknown[] = [];
    let attacksError: string | undefined;
    try {
      attacks = (await attacksOf(deps, p, c.id, { since: '30d', limit: 20 })).attacks;
    } catch (err) {
      attacksError = `the attacks could not be listed: ${errorMessage(err)}`;
    }
    return page(reply, 'customer', {
      attacks, ...(attacksError ? { attacksError } : {}),
      ...base(req, reply, c.name), customer: c, windows: WINDOW_KINDS, schedules: await schedulesFor(deps, p, c.id), runs,
      canGenerate: may(p, 'generate'), canSend: may(p, 'send'), canAdmin: may(p, 'admin'), back: `/customers/${c.id}`,
    });
  });

  app.post('/reports', { config: { auth: 'generate', page: true }, schema: { hide: true } }, async (req, reply) => {
    const form = req.body as Form;
    const windowName = one(form.window);
    const attack = one(form.attack);
    const parsed = reportInputSchema.safeParse({
      customer: one(form.customer), ...(attack ? { attack } : windowName ? { window: windowName } : { from: one(form.from), to: one(form.to) }), tz: one(form.tz),
      formats: many(form.formats), paper: one(form.paper) ?? 'a4', landscape: one(form.landscape) === '1',
    });
    if (!parsed.success) throw new HttpError(400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; '));
    const job = await submitReport(deps, P(req), parsed.data);
    return reply.redirect(`/jobs/${job.id}`, 303);
  });

  app.post('/customers/:customer/preview', { config: { auth: 'send', page: true }, schema: { hide: true } }, async (req, reply) => {
    const form = req.body as Form;
    const parsed = previewInputSchema.safeParse({ window: one(form.window), ...(one(form.to) ? { to: one(form.to)!.split(/[\s,;]+/).filter(Boolean) } : {}) });
    if (!parsed.success) throw new HttpError(400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; '));
    const job = await submitPreview(deps, P(req), (req.params as { customer: string }).customer, parsed.data);
    return reply.redirect(`/jobs/${job.id}`, 303);
  });

  app.get('/jobs/:job', read, async (req, reply) => {
    const job = jobFor(deps, P(req), (req.params as { job: string }).job);
    const view = jobView(job);
    const running = job.state === 'queued' || job.state === 'running';
    const html = view.files.find((f) => f.format === 'html');
    const result = job.result as { notes?: string[]; emails?: unknown[]; sent?: string } | undefined;
    return page(reply, 'job', {
      ...base(req, reply, HEADINGS[job.kind]), heading: HEADINGS[job.kind], job: view, running, step: job.stage ? STAGES.indexOf(job.stage) + 1 : 0, ...(running ? { refreshSeconds: 1 } : {}),
      files: view.files, notes: result?.notes ?? [], emails: result?.emails ?? [], ...(result?.sent ? { sent: result.sent } : {}), ...(html ? { previewUrl: `${html.url}?inline=1` } : {}),
    });
  });

  app.get('/runs', read, async (req, reply) => {
    const p = P(req);
    const raw = req.query as Form;
    const q = runQuerySchema.safeParse({ customer: one(raw.customer), status: one(raw.status), since: one(raw.since), limit: one(raw.limit) ?? 25, offset: one(raw.offset) ?? 0 });
    if (!q.success) throw new HttpError(400, 'invalid_request', q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const pageData = await runsFor(deps, p, q.data);
    const link = (offset: number) => `/runs?${new URLSearchParams(Object.entries({ ...q.data, offset: String(offset) }).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, String(v)]))}`;
    const last = q.data.offset + pageData.runs.length;
    return page(reply, 'runs', {
      ...base(req, reply, 'Runs'), customers: visibleCustomers(deps, p), statuses: ['queued', 'running', 'succeeded', 'failed', 'skipped'], query: q.data, page: pageData,
      first: pageData.runs.length ? q.data.offset + 1 : 0, last, ...(last < pageData.total ? { nextUrl: link(last) } : {}),
      ...(q.data.offset > 0 ? { prevUrl: link(Math.max(0, q.data.offset - q.data.limit)) } : {}),
    });
  });

  app.get('/runs/:run', read, async (req, reply) => {
    const p = P(req);
    const details = await runFor(deps, p, (req.params as { run: string }).run);
    const flash = one((req.query as Form).done);
    return page(reply, 'run', {
      ...base(req, reply, `Run ${details.run.id}`), ...details,
      canSend: may(p, 'send'), canRetry: details.run.status === 'failed' || details.run.status === 'skipped', canResend: (details.run.artifacts ?? []).length > 0, ...(flash ? { flash } : {}),
    });
  });

  app.post('/runs/:run/retry', { config: { auth: 'send', page: true }, schema: { hide: true } }, async (req, reply) => {
    const job = await submitRetry(deps, P(req), (req.params as { run: string }).run);
    return reply.redirect(`/jobs/${job.id}`, 303);
  });

  app.post('/runs/:run/resend', { config: { auth: 'send', page: true }, schema: { hide: true } }, async (req, reply) => {
    const to = (one((req.body as Form).to) ?? '').split(/[\s,;]+/).filter(Boolean);
    const job = await submitResend(deps, P(req), (req.params as { run: string }).run, to.length ? to : undefined);
    return reply.redirect(`/jobs/${job.id}`, 303);
  });

  app.get('/schedules', read, async (req, reply) => {
    const p = P(req);
    return page(reply, 'schedules', { ...base(req, reply, 'Schedules'), schedules: await schedulesFor(deps, p), canAdmin: may(p, 'admin') });
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/schedules/${action}`, { config: { auth: 'admin', page: true }, schema: { hide: true } }, async (req, reply) => {
      const form = req.body as Form;
      const customer = one(form.customer) ?? '';
      const schedule = one(form.schedule);
      if (action === 'pause') await pauseSchedule(deps, P(req), customer, schedule, one(form.reason));
      else await resumeSchedule(deps, P(req), customer, schedule);
      return reply.redirect(localPath(one(form.back), '/schedules'), 303);
    });
  }
}
