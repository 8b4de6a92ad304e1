/**
 * Who is asking, and may they: every request but health, login, static files and signed links is refused
 * unless it carries a valid bearer token, a session opened with one, or (only when configured, and only from the
 * listed proxy addresses) a trusted reverse proxy's identity header. A request authenticated by its cookie (a
 * session, or a proxy user's session) that changes anything must also carry the session's CSRF token: a bearer
 * token is never sent by a browser on its own, a cookie is.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/session';
import type { Config } from '../config/schema.js';
import { hasScope, type Principal, type Scope, type TokenStore } from './tokens.js';

export type RouteAuth = 'public' | Scope;

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Who may call the route: 'public', or the scope a caller needs. */
    auth?: RouteAuth;
    /** A page of the web app: an anonymous visitor is sent to the login form rather than answered 401. */
    page?: boolean;
  }
  interface Session {
    tokenId?: string;
    proxyUser?: string;
  }
}

/** The JSON error every API route answers with: a code a script can test, and a message naming the problem. */
export interface ApiError {
  error: { code: string; message: string; problems?: { in: string; path: string; message: string }[] };
}

export function apiError(code: string, message: string, problems?: ApiError['error']['problems']): ApiError {
  return { error: { code, message, ...(problems ? { problems } : {}) } };
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuthOptions {
  tokens: TokenStore;
  proxy?: Config['web']['proxy'];
  /** Told of every refusal with the reason (the client hears only "unauthorized"). */
  onRefused?: (req: FastifyRequest, reason: string) => void;
}

/** The principal of a request, or the reason none is: bearer token first, then the session, then the proxy header. */
export function identify(req: FastifyRequest, opts: AuthOptions): { principal?: Principal; refused?: string } {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return { refused: 'Authorization header is not "Bearer <token>"' };
    const v = opts.tokens.verify(m[1]!);
    return 'refused' in v ? { refused: v.refused } : { principal: v.principal };
  }
  const session = req.session as FastifyRequest['session'] | undefined;
  if (session?.tokenId) {
    const p = opts.tokens.current(session.tokenId);
    if (p) return { principal: p };
    return { refused: 'the session\'s token was revoked or has expired' };
  }
  const proxy = opts.proxy;
  if (proxy) {
    const user = req.headers[proxy.header.toLowerCase()];
    if (typeof user === 'string' && user.trim()) {
      if (!proxy.from.includes(req.socket.remoteAddress ?? '')) return { refused: `${proxy.header} from ${req.socket.remoteAddress}, which is not a trusted proxy` };
      if (session && session.proxyUser !== user) session.proxyUser = user;
      return { principal: { name: `proxy:${user.trim().slice(0, 128)}`, scopes: new Set(proxy.scopes), ...(proxy.customers ? { customers: proxy.customers } : {}), via: 'proxy' } };
    }
  }
  return {};
}

/** The hooks that identify every request and enforce each route's `config.auth` and the CSRF rule. */
export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  app.decorateRequest('principal', undefined);
  // Who is asking, and may they, before the body is even parsed: a refused request learns nothing of the schema.
  app.addHook('onRequest', async (req, reply) => {
    const auth = req.routeOptions.config?.auth;
    const page = req.routeOptions.config?.page === true;
    if (auth === undefined) return undefined; // unknown routes fall through to the 404 handler
    const who = identify(req, opts);
    if (who.refused) opts.onRefused?.(req, who.refused);
    req.principal = who.principal;
    if (auth === 'public') return undefined;
    if (!who.principal) return refuse(reply, page, 401, 'unauthorized', 'authentication required: send "Authorization: Bearer <token>" or sign in');
    if (!hasScope(who.principal, auth)) return refuse(reply, page, 403, 'forbidden', `this needs the ${auth} scope; ${who.principal.name} has ${[...who.principal.scopes].join(', ')}`);
    return undefined;
  });
  // The CSRF token travels in the form's body, so it is checked once the body is parsed, before anything runs.
  app.addHook('preValidation', async (req, reply) => {
    const auth = req.routeOptions.config?.auth;
    if (auth === undefined || auth === 'public' || !req.principal || !UNSAFE_METHODS.has(req.method) || req.principal.via === 'token') return undefined;
    // csrfProtection is synchronous: it calls back when the token matches the session's secret, and otherwise
    // has already answered 403.
    let passed = false;
    (app as FastifyInstance & { csrfProtection: (r: FastifyRequest, p: FastifyReply, done: () => void) => void }).csrfProtection(req, reply, () => (passed = true));
    return passed ? undefined : reply;
  });
}

function refuse(reply: FastifyReply, page: boolean, status: number, code: string, message: string): FastifyReply {
  if (page && status === 401) return reply.redirect(`/login?next=${encodeURIComponent(reply.request.url)}`, 303);
  return reply.code(status).send(apiError(code, message));
}
