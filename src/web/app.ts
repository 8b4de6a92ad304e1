/**
 * The web app and HTTP API server (fastify): plugins for security headers, rate limits, cookies, sessions, CSRF
 * and the OpenAPI document, the authentication hooks, the error shape, and the routes of src/web/api.ts and
 * src/web/pages.ts.
 */
import crypto from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import session from '@fastify/session';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { errorMessage } from '../errors.js';
import { apiError, installAuth } from './auth.js';
import { HttpError, type WebDeps } from './actions.js';
import { QueueFull } from './jobs.js';
import { BoundedSessionStore } from './session-store.js';
import { registerApi } from './api.js';
import { registerPages, renderErrorPage } from './pages.js';
import { registerDownloads } from './downloads.js';

export const API_PREFIX = '/api/v1';

/** A request's path as logged: a signed link is a credential in the path, logged by its route, never its token. */
const loggedUrl = (url: string): string => (url.startsWith('/d/') ? '/d/:token' : url.split('?')[0]!);
/** Request bodies are small forms and JSON; anything larger is refused before it is read. */
const BODY_LIMIT_BYTES = 64 * 1024;

export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const web = deps.loaded.config.web;
  const log = deps.ctx.log.child({ component: 'web' });
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, trustProxy: false, routerOptions: { maxParamLength: 300 } });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], frameSrc: ["'self'"], formAction: ["'self'"],
        frameAncestors: ["'none'"], baseUri: ["'none'"],
      },
    },
    // The report preview is framed by the app's own pages (its route sets its own, stricter policy).
    frameguard: { action: 'sameorigin' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(rateLimit, {
    global: true,
    max: web.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per credential where there is one (a token or a session), else per address.
    keyGenerator: (req) => {
      const auth = req.headers.authorization ?? '';
      const sid = /sessionId=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      return auth ? `t:${crypto.createHash('sha256').update(auth).digest('hex').slice(0, 16)}` : sid ? `s:${sid.slice(0, 32)}` : `a:${req.ip}`;
    },
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, ...apiError('rate_limited', `too many requests: at most ${ctx.max} a minute; try again in ${Math.ceil(ctx.ttl / 1000)} s`) }),
  });
  await app.register(cookie);
  await app.register(session, {
    secret: crypto.randomBytes(32).toString('hex'),
    cookieName: 'sessionId',
    saveUninitialized: false,
    store: new BoundedSessionStore(web.sessionHours * 3_600_000),
    cookie: { httpOnly: true, sameSite: 'strict', secure: 'auto', path: '/', maxAge: web.sessionHours * 3_600_000 },
  });
  await app.register(csrf, { sessionPlugin: '@fastify/session' });
  await app.register(formbody, { bodyLimit: BODY_LIMIT_BYTES });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'attack-report API', version: '1', description: 'On-demand attack reports, scheduled runs, schedules and their actions. Every route but /health needs a bearer token. Every error is JSON: {"error": {"code": "...", "message": "...", "problems": [{"in", "path", "message"}]}}; 429 answers carry Retry-After.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token: `attack-report tokens create`' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  installAuth(app, { tokens: deps.tokens, proxy: web.proxy, onRefused: (req, reason) => log.warn({ method: req.method, url: loggedUrl(req.url), ip: req.ip, reason }, 'request refused') });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const page = req.routeOptions.config?.page === true;
    let status = 500;
    let body = apiError('internal', 'internal error; the server log has the details');
    if (hasZodFastifySchemaValidationErrors(err)) {
      status = 400;
      const where = err.validationContext ?? 'request';
      const problems = err.validation.map((v) => ({ in: where, path: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(whole)', message: v.message ?? 'invalid' }));
      body = apiError('invalid_request', `invalid ${where}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
    } else if (err instanceof HttpError) {
      status = err.status;
      body = apiError(err.code, err.message);
    } else if (err instanceof QueueFull) {
      status = 429;
      void reply.header('retry-after', String(err.retryAfterSeconds));
      body = apiError('queue_full', err.message);
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own (body too large, bad JSON, unsupported media type) and the CSRF plugin's refusals.
      status = err.statusCode;
      const code = err.code === 'FST_CSRF_MISSING_SECRET' || err.code === 'FST_CSRF_INVALID_TOKEN' ? 'csrf' : status === 413 ? 'too_large' : status === 429 ? 'rate_limited' : 'bad_request';
      body = apiError(code, code === 'csrf' ? 'the form is missing its CSRF token or it does not match the session; reload the page and try again' : err.message);
    } else {
      log.error({ err: errorMessage(err), stack: err.stack, url: req.url }, 'request failed');
    }
    if (page) return renderErrorPage(reply.code(status), body.error.message, req.principal);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(apiError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`)));

  // Every request in the log with who made it: with the ledger's audit trail, the record of who did what.
  app.addHook('onResponse', async (req, reply) => {
    if (req.url === '/health') return;
    log.info({ method: req.method, url: loggedUrl(req.url), status: reply.statusCode, by: req.principal?.name, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  app.get('/health', { config: { auth: 'public' }, schema: { hide: true } }, async () => {
    let store = 'up';
    try {
      await deps.ctx.storeReady?.();
    } catch {
      store = 'down';
    }
    return { ok: store === 'up', store, jobs: deps.jobs.pending };
  });
  await registerApi(app, deps);
  await registerDownloads(app, deps);
  await registerPages(app, deps);
  app.get(`${API_PREFIX}/openapi.json`, { config: { auth: 'read' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
