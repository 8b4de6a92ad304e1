/**
 * The API's actions end to end over a real `attack-report serve`, a real SMTP server and the seeded embedded
 * store: retry of a failed run (received once, with a signed link that downloads the archived PDF), re-send to
 * an allow-listed address, the email preview (nothing sent or recorded), the incident report of an attack from
 * the attack listing, paged run history, and the OpenAPI document.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger, type RunRecord } from '../../src/scheduler/ledger.js';
import { freePort, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { bearer, cliAsync, makeToken, request, startServer, waitForJob, webFixture, type RunningServer, type WebFixture } from '../helpers/web.js';

let f: WebFixture;
let smtp: TestSmtp;
let server: RunningServer;
let token: string;
let failedRun: RunRecord;

beforeAll(async () => {
  smtp = await startSmtp();
  const port = await freePort();
  f = webFixture({ smtpPort: smtp.port, web: { port, publicUrl: `http://127.0.0.1:${port}`, linksInEmails: true } });
  token = makeToken(f, 'ops', 'admin');
  // A send the mail server refused: the run failed, its report archived, nothing delivered.
  smtp.refuseWith(550);
  const sent = await cliAsync(['send', '--config', f.configFile, '--customer', 'acme', '--window', 'yesterday']);
  expect(sent.status).toBe(1);
  smtp.refuseWith(null);
  failedRun = (await new FileLedger(f.stateDir).query({ customer: 'acme' })).runs[0]!;
  expect(failedRun.status).toBe('failed');
  server = await startServer(f);
}, 180_000);

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
  await smtp?.close();
});

const api = (path: string, body?: object) => request(`${server.url}/api/v1${path}`, { headers: bearer(token), ...(body ? { body } : {}) });
const jobOf = async (r: Awaited<ReturnType<typeof api>>) => {
  expect(r.status, r.text()).toBe(202);
  return waitForJob(server.url, token, r.json<{ id: string }>().id);
};

describe('run actions through the API', () => {
  it('retries a failed run: the recipient receives it once, with a signed link that downloads the archived PDF', async () => {
    const job = await jobOf(await api(`/runs/${failedRun.id}/retry`, {}));
    expect(job.state, String(job.error)).toBe('succeeded');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to).toEqual(['soc@acme.example']);
    const link = /http:\/\/127\.0\.0\.1:\d+\/d\/[A-Za-z0-9_.~-]+/.exec(smtp.received[0]!.email.text ?? '')?.[0];
    expect(link, smtp.received[0]!.email.text).toBeDefined();
    const dl = await request(link!);
    expect(dl.status).toBe(200);
    expect(dl.headers['content-type']).toBe('application/pdf');
    expect(dl.headers['content-disposition']).toMatch(/^attachment;/);
    const details = (await api(`/runs/${failedRun.id}`)).json<{ run: RunRecord; audit: { by: string; action: string }[] }>();
    const pdf = details.run.artifacts!.find((a) => a.format === 'pdf')!;
    expect(dl.body.equals(fs.readFileSync(pdf.path))).toBe(true);
    expect(details.run.status).toBe('succeeded');
    expect(details.audit).toEqual(expect.arrayContaining([expect.objectContaining({ by: 'ops', action: 'retry' })]));
    // A forged link is refused; a succeeded run is not retried (re-send is the action for it).
    const forged = link!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await request(forged)).status).toBe(403);
    // The link is a credential: the server's log names its route, never its token.
    const token = link!.split('/d/')[1]!;
    expect(server.logs().some((l) => l.url === '/d/:token')).toBe(true);
    expect(server.logs().map((l) => JSON.stringify(l)).join('\n')).not.toContain(token);
    const again = await api(`/runs/${failedRun.id}/retry`, {});
    expect(again.status).toBe(409);
    expect(again.json<{ error: { message: string } }>().error.message).toMatch(/resend/);
  }, 120_000);

  it('re-sends the archived report to an allow-listed address once, and refuses one outside the allowed domains', async () => {
    const outside = await api(`/runs/${failedRun.id}/resend`, { to: ['cfo@evil.example'] });
    expect(outside.status).toBe(400);
    expect(outside.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'invalid_recipient' });
    expect(outside.text()).toContain('evil.example');
    const before = smtp.received.length;
    const job = await jobOf(await api(`/runs/${failedRun.id}/resend`, { to: ['secops@acme.example'] }));
    expect(job.state, String(job.error)).toBe('succeeded');
    expect(smtp.received.length).toBe(before + 1);
    expect(smtp.received.at(-1)!.to).toEqual(['secops@acme.example']);
    const details = (await api(`/runs/${failedRun.id}`)).json<{ resends: { id: string; by: string; deliveries: { recipient: string; status: string }[] }[] }>();
    expect(details.resends).toEqual([expect.objectContaining({ id: 'resend-1', by: 'ops', deliveries: [expect.objectContaining({ recipient: 'secops@acme.example', status: 'sent' })] })]);
    expect((await api('/runs/no-such-run/resend', {})).status).toBe(404);
  }, 120_000);

  it('previews the email (subject, recipients, body, attachment) and sends, archives and records nothing', async () => {
    const sentBefore = smtp.received.length;
    const runsBefore = (await new FileLedger(f.stateDir).query()).total;
    const job = await jobOf(await api('/customers/acme/preview', { window: 'previous-day', to: ['soc@acme.example', 'noc@acme.example'] }));
    expect(job.state, String(job.error)).toBe('succeeded');
    const emails = (job.result as { emails: { to: string; subject: string; text: string; attachment: { filename: string; bytes: number } | null }[] }).emails;
    expect(emails.map((e) => e.to)).toEqual(['soc@acme.example', 'noc@acme.example']);
    expect(emails[0]!.subject).toContain('Acme Retail');
    expect(emails[0]!.text).toContain(emails[0]!.subject);
    expect(emails[0]!.attachment!.filename).toMatch(/^Acme-Retail-attack-report-.*\.pdf$/);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received.length).toBe(sentBefore);
    expect((await new FileLedger(f.stateDir).query()).total).toBe(runsBefore);
  }, 120_000);
});

describe('reports through the API', () => {
  it('lists the customer\'s attacks and makes the incident report of one; an unknown attack fails naming it', async () => {
    const listing = (await api('/customers/acme/attacks?since=7d&limit=5')).json<{ attacks: { id: string; reportable: boolean; peakPps: number; layer: string }[]; total: number }>();
    expect(listing.attacks.length).toBeGreaterThan(0);
    expect(listing.attacks.length).toBeLessThanOrEqual(5);
    const attack = listing.attacks.find((a) => a.reportable && a.layer === 'L3/4')!;
    const job = await jobOf(await api('/reports', { customer: 'acme', attack: attack.id, formats: ['json'] }));
    expect(job.state, String(job.error)).toBe('succeeded');
    const file = (job.files as { url: string }[])[0]!;
    const model = (await request(`${server.url}${file.url}`, { headers: bearer(token) })).json<{ incident: { attackId: string } }>();
    expect(model.incident.attackId).toBe(attack.id);
    const unknown = await jobOf(await api('/reports', { customer: 'acme', attack: 'no-such-attack', formats: ['json'] }));
    expect(unknown.state).toBe('failed');
    expect(String(unknown.error)).toContain('no-such-attack');
    expect((await api('/reports', { customer: 'acme', attack: attack.id, window: 'last-7d' })).status).toBe(400);
    expect((await api('/reports', { customer: 'acme', attack: '<script>' })).status).toBe(400);
  }, 120_000);

  it('pages the run history newest first with a link to the next page', async () => {
    const ledger = new FileLedger(f.stateDir);
    for (let d = 1; d <= 5; d++) {
      const from = Date.UTC(2026, 9, d);
      await ledger.claim({
        id: `globex.nightly.202610${String(d).padStart(2, '0')}T000000Z`, customer: 'globex', schedule: 'nightly', dueAt: new Date(from + 86_400_000).toISOString(),
        window: { from: new Date(from).toISOString(), to: new Date(from + 86_400_000).toISOString(), timezone: 'UTC' }, status: 'skipped', reason: 'test', attempts: 0,
        createdAt: new Date().toISOString(), recipients: ['noc@globex.example'],
      });
    }
    const first = (await api('/runs?customer=globex&limit=2')).json<{ runs: RunRecord[]; total: number; next: string | null }>();
    expect(first.total).toBe(5);
    expect(first.runs.map((r) => r.id)).toEqual(['globex.nightly.20261005T000000Z', 'globex.nightly.20261004T000000Z']);
    const second = (await request(`${server.url}${first.next!}`, { headers: bearer(token) })).json<{ runs: RunRecord[]; next: string | null }>();
    expect(second.runs.map((r) => r.id)).toEqual(['globex.nightly.20261003T000000Z', 'globex.nightly.20261002T000000Z']);
    const third = (await request(`${server.url}${second.next!}`, { headers: bearer(token) })).json<{ runs: RunRecord[]; next: string | null }>();
    expect(third.runs).toHaveLength(1);
    expect(third.next).toBeNull();
    const bad = await api('/runs?limit=0&status=done');
    expect(bad.status).toBe(400);
    expect(bad.json<{ error: { problems: { path: string }[] } }>().error.problems.map((p) => p.path).sort()).toEqual(['limit', 'status']);
  });

  it('serves an OpenAPI 3 document naming every operation, its parameters and the bearer scheme', async () => {
    const doc = (await api('/openapi.json')).json<{ openapi: string; paths: Record<string, Record<string, { summary?: string; tags?: string[]; requestBody?: unknown }>>; components: { securitySchemes: Record<string, { scheme: string }> } }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearer!.scheme).toBe('bearer');
    const ops = Object.values(doc.paths).flatMap((m) => Object.values(m));
    expect(ops.length).toBeGreaterThanOrEqual(15);
    for (const op of ops) {
      expect(op.summary).toBeTruthy();
      expect(op.tags?.length).toBe(1);
    }
    expect(JSON.stringify(doc.paths['/api/v1/reports']!.post!.requestBody)).toContain('"attack"');
  });
});
