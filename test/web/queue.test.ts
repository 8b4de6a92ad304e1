/**
 * The report queue under load, over a real `attack-report serve` with a queue of 8: 50 report requests at once.
 * Every accepted job completes exactly once (one start and one finish in the server's log, its file there and
 * its numbers right), the rest are told 429 with a Retry-After, and nothing accepted is lost.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeToken, request, startServer, waitForJob, webFixture, type RunningServer, type WebFixture } from '../helpers/web.js';

let f: WebFixture;
let server: RunningServer;
let token: string;

beforeAll(async () => {
  f = webFixture({ web: { queue: 8, concurrency: 2 } });
  token = makeToken(f, 'load', 'generate');
  server = await startServer(f);
}, 180_000);

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

describe('the bounded report queue', () => {
  it('accepts at most 8 of 50 simultaneous requests, answers the rest 429 with Retry-After, and completes every accepted job exactly once', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      request(`${server.url}/api/v1/reports`, { headers: bearer(token), body: { customer: i % 2 ? 'acme' : 'globex', window: 'last-7d', formats: ['json'] } })));
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 429);
    expect(accepted.length + refused.length).toBe(50);
    // The first 8 always fit; more only if a job finished before the last request arrived.
    expect(accepted.length).toBeGreaterThanOrEqual(8);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(r.json<{ error: { code: string } }>().error.code).toBe('queue_full');
    }
    const ids = accepted.map((a) => a.json<{ id: string }>().id);
    expect(new Set(ids).size).toBe(ids.length);

    const finished = await Promise.all(ids.map((id) => waitForJob(server.url, token, id, 240_000)));
    for (const job of finished) {
      expect(job.state, String(job.error)).toBe('succeeded');
      const files = job.files as { format: string; url: string }[];
      expect(files.map((x) => x.format)).toEqual(['json']);
      // Each job's report is of the customer it was asked for (accounts acme and globex).
      const model = (await request(`${server.url}${files[0]!.url}`, { headers: bearer(token) })).json<{ tenant: { accountId: string } }>();
      expect(model.tenant.accountId).toBe(job.customer);
    }
    // Exactly once: one start and one finish per accepted job, and no job the API did not hand out.
    const events = server.logs().filter((l) => typeof l.job === 'string' && /^job (started|finished)$/.test(String(l.msg)));
    for (const id of ids) {
      expect(events.filter((e) => e.job === id && e.msg === 'job started')).toHaveLength(1);
      expect(events.filter((e) => e.job === id && e.msg === 'job finished')).toHaveLength(1);
    }
    expect(new Set(events.map((e) => e.job))).toEqual(new Set(ids));
    // Never more than 8 accepted and unfinished at once, and never more than 2 running (web.concurrency).
    let pending = 0;
    let running = 0;
    let maxPending = 0;
    let maxRunning = 0;
    for (const e of server.logs()) {
      if (e.msg === 'job queued') pending++;
      if (e.msg === 'job started') running++;
      if (e.msg === 'job finished') {
        pending--;
        running--;
      }
      maxPending = Math.max(maxPending, pending);
      maxRunning = Math.max(maxRunning, running);
    }
    // (A 429 is answered only while 8 are unfinished, so with refusals above the queue was full at some point.)
    expect(maxPending).toBeLessThanOrEqual(8);
    expect(maxRunning).toBeLessThanOrEqual(2);
    expect(maxRunning).toBeGreaterThanOrEqual(1);

    // Once drained, the queue accepts again.
    const again = await request(`${server.url}/api/v1/reports`, { headers: bearer(token), body: { customer: 'acme', window: 'last-24h', formats: ['json'] } });
    expect(again.status).toBe(202);
    expect((await waitForJob(server.url, token, again.json<{ id: string }>().id)).state).toBe('succeeded');
    expect(fs.existsSync(f.stateDir)).toBe(true);
  }, 300_000);

  it('names the bad input of a malformed request, and refuses an oversized body before reading it', async () => {
    const bad = await request(`${server.url}/api/v1/reports`, { headers: bearer(token), body: { customer: 'acme', window: 'last-year', formats: [] } });
    expect(bad.status).toBe(400);
    const problems = bad.json<{ error: { problems: { path: string }[] } }>().error.problems.map((p) => p.path);
    expect(problems).toEqual(expect.arrayContaining(['window', 'formats']));
    const both = await request(`${server.url}/api/v1/reports`, { headers: bearer(token), body: { customer: 'acme', window: 'last-7d', from: '2026-11-01', to: '2026-11-02' } });
    expect(both.status).toBe(400);
    expect(both.json<{ error: { message: string } }>().error.message).toContain('either window or from and to');
    const backwards = await request(`${server.url}/api/v1/reports`, { headers: bearer(token), body: { customer: 'acme', from: '2026-11-05', to: '2026-11-01' } });
    expect(backwards.status).toBe(400);
    expect(backwards.json<{ error: { code: string } }>().error.code).toBe('invalid_window');
    const unknown = await request(`${server.url}/api/v1/reports`, { headers: bearer(token), body: { customer: 'nobody', window: 'last-7d' } });
    expect(unknown.status).toBe(404);
    const huge = await request(`${server.url}/api/v1/reports`, { headers: bearer(token), body: { customer: 'acme', window: 'last-7d', tz: 'x'.repeat(200_000) } });
    expect(huge.status).toBe(413);
    const notJson = await request(`${server.url}/api/v1/reports`, { headers: { ...bearer(token), 'content-type': 'application/json' }, body: '{"customer":' });
    expect(notJson.status).toBe(400);
  });
});
