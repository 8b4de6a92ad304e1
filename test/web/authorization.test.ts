/**
 * Who may call what, over a real `attack-report serve`: every API route of the OpenAPI document (the test fails
 * when a route is added without a row here) with tokens of each scope, limited to one customer or not; missing,
 * malformed, forged, expired and revoked tokens; CSRF on forms of a signed-in session; the proxy identity header
 * honoured only from the configured proxy address.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger, type RunRecord } from '../../src/scheduler/ledger.js';
import { TokenStore } from '../../src/web/tokens.js';
import { bearer, cli, makeToken, request, startServer, waitForJob, webFixture, type RunningServer, type WebFixture } from '../helpers/web.js';

let f: WebFixture;
let server: RunningServer;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

type Scope = 'read' | 'generate' | 'send' | 'admin';
interface Row {
  method: 'GET' | 'POST';
  /** The route as the OpenAPI document names it. */
  route: string;
  url: () => string;
  body?: () => object;
  scope: Scope;
  /** The customer whose data or action this is; a token limited to another one must get 404. */
  customer?: 'acme' | 'globex';
  /** The answer when authorized; a set where the outcome depends on the run's state at that moment (checked elsewhere). */
  ok: number | number[];
}

const ROWS: Row[] = [
  { method: 'GET', route: '/api/v1/customers', url: () => '/api/v1/customers', scope: 'read', ok: 200 },
  { method: 'GET', route: '/api/v1/customers/{customer}', url: () => '/api/v1/customers/globex', scope: 'read', customer: 'globex', ok: 200 },
  { method: 'GET', route: '/api/v1/customers/{customer}/attacks', url: () => '/api/v1/customers/globex/attacks?since=7d', scope: 'read', customer: 'globex', ok: 200 },
  { method: 'POST', route: '/api/v1/reports', url: () => '/api/v1/reports', body: () => ({ customer: 'globex', window: 'last-24h', formats: ['json'] }), scope: 'generate', customer: 'globex', ok: 202 },
  { method: 'GET', route: '/api/v1/reports/{job}', url: () => `/api/v1/reports/${ids.globexJob}`, scope: 'read', customer: 'globex', ok: 200 },
  { method: 'GET', route: '/api/v1/reports/{job}/files/{format}', url: () => `/api/v1/reports/${ids.globexJob}/files/json`, scope: 'read', customer: 'globex', ok: 200 },
  { method: 'GET', route: '/api/v1/jobs', url: () => '/api/v1/jobs', scope: 'read', ok: 200 },
  { method: 'GET', route: '/api/v1/schedules', url: () => '/api/v1/schedules?customer=globex', scope: 'read', customer: 'globex', ok: 200 },
  { method: 'POST', route: '/api/v1/customers/{customer}/pause', url: () => '/api/v1/customers/globex/pause', body: () => ({ schedule: 'nightly', reason: 'matrix' }), scope: 'admin', customer: 'globex', ok: 200 },
  { method: 'POST', route: '/api/v1/customers/{customer}/resume', url: () => '/api/v1/customers/globex/resume', body: () => ({ schedule: 'nightly' }), scope: 'admin', customer: 'globex', ok: 200 },
  { method: 'POST', route: '/api/v1/customers/{customer}/preview', url: () => '/api/v1/customers/globex/preview', body: () => ({ window: 'previous-day' }), scope: 'send', customer: 'globex', ok: 202 },
  { method: 'GET', route: '/api/v1/runs', url: () => '/api/v1/runs?customer=globex', scope: 'read', customer: 'globex', ok: 200 },
  { method: 'GET', route: '/api/v1/runs/{run}', url: () => `/api/v1/runs/${ids.globexRun}`, scope: 'read', customer: 'globex', ok: 200 },
  { method: 'POST', route: '/api/v1/runs/{run}/retry', url: () => `/api/v1/runs/${ids.globexRun}/retry`, scope: 'send', customer: 'globex', ok: [202, 409] },
  // The record has no archived report, so an authorized re-send is refused for that (409), after authorization.
  { method: 'POST', route: '/api/v1/runs/{run}/resend', url: () => `/api/v1/runs/${ids.globexRun}/resend`, body: () => ({}), scope: 'send', customer: 'globex', ok: 409 },
  { method: 'GET', route: '/api/v1/audit', url: () => '/api/v1/audit?customer=globex', scope: 'admin', customer: 'globex', ok: 200 },
  { method: 'GET', route: '/api/v1/openapi.json', url: () => '/api/v1/openapi.json', scope: 'read', ok: 200 },
];

/** name → scopes and customer limit of each token of the matrix. */
const TOKENS: Record<string, { scopes: Scope[]; customers?: string[] }> = {
  admin: { scopes: ['admin'] },
  reader: { scopes: ['read'] },
  generator: { scopes: ['generate'] },
  sender: { scopes: ['send'] },
  'acme-admin': { scopes: ['admin'], customers: ['acme'] },
  'acme-reader': { scopes: ['read', 'generate'], customers: ['acme'] },
};

const has = (scopes: Scope[], s: Scope) => scopes.includes('admin') || scopes.includes(s) || s === 'read';

function runRecord(customer: string, schedule: string): RunRecord {
  const from = Date.UTC(2026, 10, 20);
  return {
    id: `${customer}.${schedule}.20261120T000000Z`, customer, schedule, dueAt: new Date(from + 86_400_000).toISOString(),
    window: { from: new Date(from).toISOString(), to: new Date(from + 86_400_000).toISOString(), timezone: 'UTC' },
    status: 'failed', attempts: 1, reason: 'test record', createdAt: new Date().toISOString(), recipients: [`noc@${customer}.example`],
  };
}

beforeAll(async () => {
  f = webFixture({ web: { queue: 20, concurrency: 2 } });
  for (const [name, t] of Object.entries(TOKENS)) tokens[name] = makeToken(f, name, t.scopes.join(','), t.customers);
  const ledger = new FileLedger(f.stateDir);
  for (const [customer, schedule] of [['acme', 'daily'], ['globex', 'nightly']] as const) await ledger.claim(runRecord(customer, schedule));
  ids.globexRun = 'globex.nightly.20261120T000000Z';
  await ledger.audit({ by: 'setup', action: 'note', customer: 'globex', detail: 'globex only' });
  await ledger.audit({ by: 'setup', action: 'note', customer: 'acme', detail: 'acme only' });
  server = await startServer(f);
  const created = await request(`${server.url}/api/v1/reports`, { headers: bearer(tokens.admin!), body: { customer: 'globex', window: 'last-24h', formats: ['json'] } });
  expect(created.status, created.text()).toBe(202);
  ids.globexJob = created.json<{ id: string }>().id;
  const acme = await request(`${server.url}/api/v1/reports`, { headers: bearer(tokens.admin!), body: { customer: 'acme', window: 'last-24h', formats: ['json'] } });
  ids.acmeJob = acme.json<{ id: string }>().id;
  expect((await waitForJob(server.url, tokens.admin!, ids.globexJob)).state).toBe('succeeded');
  expect((await waitForJob(server.url, tokens.admin!, ids.acmeJob)).state).toBe('succeeded');
}, 180_000);

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

describe('authorization matrix', () => {
  it('covers every route of the OpenAPI document', async () => {
    const doc = (await request(`${server.url}/api/v1/openapi.json`, { headers: bearer(tokens.reader!) })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const documented = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    // The document itself is a route too (hidden from it, but behind a token).
    expect(ROWS.map((r) => `${r.method} ${r.route}`).filter((r) => r !== 'GET /api/v1/openapi.json').sort()).toEqual(documented);
  });

  it('answers each token by its scope and customers: 403 without the scope, 404 for another customer, never data across customers', async () => {
    const failures: string[] = [];
    for (const [name, t] of Object.entries(TOKENS)) {
      for (const row of ROWS) {
        const r = await request(`${server.url}${row.url()}`, { method: row.method, headers: bearer(tokens[name]!), ...(row.body ? { body: row.body() } : {}) });
        const expected = !has(t.scopes, row.scope) ? 403 : row.customer && t.customers && !t.customers.includes(row.customer) ? 404 : row.ok;
        if (!([] as number[]).concat(expected).includes(r.status)) failures.push(`${name} ${row.method} ${row.url()}: ${r.status}, expected ${expected} (${r.text().slice(0, 200)})`);
        // Whatever the status, nothing of globex (beyond the id the request itself named) reaches a token limited to acme.
        if (t.customers && !row.route.includes('openapi')) expect(r.text(), `${name} ${row.url()}`).not.toMatch(/Globex|noc@globex|America\/New_York|matrix|test record/);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('filters listings to the token\'s customers', async () => {
    const t = tokens['acme-reader']!;
    const customers = (await request(`${server.url}/api/v1/customers`, { headers: bearer(t) })).json<{ customers: { id: string }[] }>();
    expect(customers.customers.map((c) => c.id)).toEqual(['acme']);
    const runs = (await request(`${server.url}/api/v1/runs`, { headers: bearer(t) })).json<{ runs: RunRecord[]; total: number }>();
    expect(runs.total).toBe(1);
    expect(runs.runs.map((r) => r.customer)).toEqual(['acme']);
    const jobs = (await request(`${server.url}/api/v1/jobs`, { headers: bearer(t) })).json<{ jobs: { id: string; customer: string }[] }>();
    expect(jobs.jobs.map((j) => j.id)).toContain(ids.acmeJob);
    expect(jobs.jobs.every((j) => j.customer === 'acme')).toBe(true);
    const schedules = (await request(`${server.url}/api/v1/schedules`, { headers: bearer(t) })).json<{ schedules: { customer: string }[] }>();
    expect(schedules.schedules.map((s) => s.customer)).toEqual(['acme']);
    const audit = (await request(`${server.url}/api/v1/audit`, { headers: bearer(tokens['acme-admin']!) })).json<{ entries: { customer?: string }[] }>();
    expect(audit.entries.length).toBeGreaterThan(0);
    expect(audit.entries.every((e) => e.customer === 'acme')).toBe(true);
    // A raw account is every customer's data: a token limited to customers may not ask by account.
    const byAccount = await request(`${server.url}/api/v1/reports`, { headers: bearer(t), body: { account: 'globex', window: 'last-24h', formats: ['json'] } });
    expect(byAccount.status).toBe(403);
  });

  it('refuses missing, malformed, forged, expired and revoked tokens on every route', async () => {
    const store = new TokenStore(f.stateDir);
    const expired = store.create({ name: 'expired', scopes: ['admin'], expiresAtMs: Date.now() - 1000, createdBy: 'test' }).token;
    const revoked = makeToken(f, 'revoked', 'admin');
    expect(cli(['tokens', 'revoke', 'revoked', '--config', f.configFile]).status).toBe(0);
    const admin = tokens.admin!;
    const forged = `${admin.slice(0, 16)}${crypto.randomBytes(32).toString('base64url')}`;
    const bad: Record<string, Record<string, string>> = {
      none: {}, malformed: bearer('not-a-token'), forged: bearer(forged), expired: bearer(expired), revoked: bearer(revoked), basic: { authorization: `Basic ${Buffer.from(`x:${admin}`).toString('base64')}` },
    };
    const failures: string[] = [];
    for (const [kind, headers] of Object.entries(bad)) {
      for (const row of ROWS) {
        const r = await request(`${server.url}${row.url()}`, { method: row.method, headers, ...(row.body ? { body: row.body() } : {}) });
        if (r.status !== 401) failures.push(`${kind} ${row.method} ${row.url()}: ${r.status}`);
        else expect(r.json<{ error: { code: string } }>().error.code).toBe('unauthorized');
      }
    }
    expect(failures).toEqual([]);
    // Health alone is open, and says nothing of customers.
    const health = await request(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.text()).not.toMatch(/acme|globex/);
    // The server log names why each was refused; the client never learns it.
    const reasons = server.logs().filter((l) => l.msg === 'request refused').map((l) => String(l.reason));
    expect(reasons.some((r) => r.startsWith('expired token'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('revoked token'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('forged token'))).toBe(true);
    expect(server.logs().map((l) => JSON.stringify(l)).join('\n')).not.toContain(admin);
  }, 60_000);
});

/** A browser's cookie jar of one: enough for a session. */
class Session {
  cookie = '';
  constructor(readonly url: string) {}
  async send(path: string, opts: { method?: string; form?: Record<string, string>; json?: object; localAddress?: string; headers?: Record<string, string> } = {}) {
    const r = await request(`${this.url}${path}`, {
      method: opts.method ?? (opts.form ? 'POST' : 'GET'),
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(opts.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(opts.headers ?? {}) },
      ...(opts.form ? { body: new URLSearchParams(opts.form).toString() } : opts.json ? { body: opts.json } : {}),
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    const set = r.headers['set-cookie']?.find((c) => c.startsWith('sessionId='));
    if (set) this.cookie = set.split(';')[0]!;
    return r;
  }
  static csrf(html: string): string {
    return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  }
}

describe('browser sessions', () => {
  it('signs in with a token; a form post without the CSRF token, or with another session\'s, is refused and changes nothing', async () => {
    const s = new Session(server.url);
    expect((await s.send('/')).status).toBe(303);
    const login = await s.send('/login');
    const signedIn = await s.send('/login', { form: { token: tokens.admin!, _csrf: Session.csrf(login.text()), next: '/schedules' } });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/schedules');
    const page = await s.send('/schedules');
    expect(page.status).toBe(200);
    const csrf = Session.csrf(page.text());

    const other = new Session(server.url);
    const otherLogin = await other.send('/login');
    await other.send('/login', { form: { token: tokens.reader!, _csrf: Session.csrf(otherLogin.text()) } });
    const otherCsrf = Session.csrf((await other.send('/')).text());

    const pause = { customer: 'globex', schedule: 'nightly', reason: 'csrf test' };
    for (const form of [pause, { ...pause, _csrf: 'forged' }, { ...pause, _csrf: otherCsrf }]) {
      const r = await s.send('/schedules/pause', { form });
      expect(r.status).toBe(403);
      expect(r.text()).toContain('CSRF');
    }
    // The API under a session cookie is held to the same rule.
    const apiPost = await s.send('/api/v1/customers/globex/pause', { method: 'POST', json: { schedule: 'nightly' } });
    expect(apiPost.status).toBe(403);
    expect(await new FileLedger(f.stateDir).pausedBy('globex', 'nightly')).toBeUndefined();

    const ok = await s.send('/schedules/pause', { form: { ...pause, _csrf: csrf, back: '/schedules' } });
    expect(ok.status).toBe(303);
    expect(await new FileLedger(f.stateDir).pausedBy('globex', 'nightly')).toMatchObject({ by: 'admin', reason: 'csrf test' });
    const resumed = await s.send('/schedules/resume', { form: { customer: 'globex', schedule: 'nightly', _csrf: csrf } });
    expect(resumed.status).toBe(303);

    // Signing out ends the session: the same cookie is sent to the login form.
    await s.send('/logout', { form: { _csrf: csrf } });
    expect((await s.send('/schedules')).status).toBe(303);
    // A session whose token is revoked ends at its next request.
    const r2 = new Session(server.url);
    const t = makeToken(f, 'short-lived', 'read');
    await r2.send('/login', { form: { token: t, _csrf: Session.csrf((await r2.send('/login')).text()) } });
    expect((await r2.send('/')).status).toBe(200);
    cli(['tokens', 'revoke', 'short-lived', '--config', f.configFile]);
    expect((await r2.send('/')).status).toBe(303);
  }, 60_000);

  it('a session of a token limited to acme gets 404 for globex pages', async () => {
    const s = new Session(server.url);
    await s.send('/login', { form: { token: tokens['acme-reader']!, _csrf: Session.csrf((await s.send('/login')).text()) } });
    expect((await s.send('/customers/acme')).status).toBe(200);
    for (const p of ['/customers/globex', `/runs/${ids.globexRun}`, `/jobs/${ids.globexJob}`]) {
      const r = await s.send(p);
      expect(r.status, p).toBe(404);
      expect(r.text()).not.toContain('Globex');
    }
    const runs = await s.send('/runs');
    expect(runs.text()).not.toContain('globex.nightly');
  });
});

describe('trusted proxy identity', () => {
  let proxied: RunningServer;
  let g: WebFixture;
  beforeAll(async () => {
    g = webFixture({ seed: false, web: { proxy: { header: 'X-Forwarded-User', from: ['127.0.0.2'], scopes: ['read'], customers: ['acme'] } } });
    proxied = await startServer(g);
  }, 120_000);
  afterAll(async () => {
    await proxied?.stop();
  });

  it('is honoured only from the configured proxy address, with the configured scopes and customers', async () => {
    const header = { 'x-forwarded-user': 'alice@provider.example' };
    const direct = await request(`${proxied.url}/api/v1/customers`, { headers: header, localAddress: '127.0.0.1' });
    expect(direct.status).toBe(401);
    const viaProxy = await request(`${proxied.url}/api/v1/customers`, { headers: header, localAddress: '127.0.0.2' });
    expect(viaProxy.status).toBe(200);
    expect(viaProxy.json<{ customers: { id: string }[] }>().customers.map((c) => c.id)).toEqual(['acme']);
    expect((await request(`${proxied.url}/api/v1/customers/globex`, { headers: header, localAddress: '127.0.0.2' })).status).toBe(404);
    // Read only: an admin action is refused, and a browser form through the proxy still needs its CSRF token.
    expect((await request(`${proxied.url}/api/v1/customers/acme/pause`, { headers: header, body: {}, localAddress: '127.0.0.2' })).status).toBe(403);
    expect(proxied.logs().some((l) => l.msg === 'request' && l.by === 'proxy:alice@provider.example')).toBe(true);
    // Without a proxy configured, the header means nothing.
    expect((await request(`${server.url}/api/v1/customers`, { headers: header })).status).toBe(401);
  });
});
