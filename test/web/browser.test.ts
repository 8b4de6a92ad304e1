/**
 * The web app driven in a real browser (the Chromium the project resolves), against a real `attack-report
 * serve` with a real SMTP server: sign in, generate a report and watch its progress, open the preview, download
 * the PDF and read its text; open a run and re-send it to an allow-listed address (received once); pause a
 * schedule and see its next run disappear.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../src/render/browser.js';
import { FileLedger } from '../../src/scheduler/ledger.js';
import { pdfText } from '../helpers/pdf.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { cliAsync, makeToken, startServer, webFixture, type RunningServer, type WebFixture } from '../helpers/web.js';

let f: WebFixture;
let smtp: TestSmtp;
let server: RunningServer;
let browser: Browser;
let page: Page;
let token: string;
let sentRunId: string;

beforeAll(async () => {
  smtp = await startSmtp();
  f = webFixture({ smtpPort: smtp.port });
  token = makeToken(f, 'operator', 'admin');
  // A run that was produced and emailed, as the worker or `send` leaves it: the page's re-send works on it.
  const sent = await cliAsync(['send', '--config', f.configFile, '--customer', 'acme', '--window', 'yesterday']);
  expect(sent.status, sent.stderr).toBe(0);
  sentRunId = (await new FileLedger(f.stateDir).query({ customer: 'acme' })).runs[0]!.id;
  expect(smtp.received).toHaveLength(1);
  server = await startServer(f);
  browser = await launchBrowser(process.env);
  page = await browser.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
  await smtp?.close();
});

const text = (p: Page, selector: string) => p.$eval(selector, (el) => (el as HTMLElement).innerText);

describe('the web app in a browser', () => {
  it('signs in, generates a report while showing its progress, previews it sandboxed and downloads its PDF', async () => {
    // What the preview frame received, as the browser got it (the page's own policy forbids fetching it again).
    const framed: { csp?: string; html?: Promise<string> } = {};
    page.on('response', (r) => {
      if (r.url().includes('/files/html?inline=1')) Object.assign(framed, { csp: r.headers()['content-security-policy'], html: r.text() });
    });
    await page.goto(`${server.url}/`);
    expect(page.url()).toContain('/login');
    await page.type('#token', token);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(await text(page, 'h1')).toBe('Customers');
    expect(await text(page, 'header .who')).toBe('operator');

    await Promise.all([page.waitForNavigation(), page.click('a[href="/customers/acme"]')]);
    await page.select('#window', 'last-7d');
    await Promise.all([page.waitForNavigation(), page.click('form[action="/reports"] button[type=submit]')]);
    expect(page.url()).toMatch(/\/jobs\/[0-9a-f]{16}$/);

    // The page refreshes itself while the job runs; collect what it showed until it is done.
    const seen: string[] = [];
    const until = Date.now() + 120_000;
    for (;;) {
      const state = await text(page, '#job-state').catch(() => '');
      if (state) seen.push(state);
      if (state === 'succeeded' || state === 'failed') break;
      if (Date.now() > until) throw new Error(`job still ${state}`);
      await page.waitForNavigation({ timeout: 5000 }).catch(() => undefined);
    }
    expect(seen.at(-1)).toBe('succeeded');
    expect(seen.some((s) => s === 'queued' || s === 'running')).toBe(true);

    // The preview: a frame with no permissions at all, whose document carries the report's policy plus sandbox.
    const iframe = await page.$('iframe.preview');
    expect(await iframe!.evaluate((el) => el.getAttribute('sandbox'))).toBe('');
    const previewUrl = await iframe!.evaluate((el) => (el as HTMLIFrameElement).src);
    expect(previewUrl).toMatch(/\/files\/html\?inline=1$/);
    expect(framed.csp).toContain('sandbox');
    expect(framed.csp).toContain("default-src 'none'");
    expect(await framed.html).toContain('Acme');
    // Nor can the app's page itself reach anything: its policy allows no connection.
    const fetched = await page.evaluate(async (u) => fetch(u).then(() => 'fetched', () => 'blocked'), previewUrl);
    expect(fetched).toBe('blocked');

    // The PDF, downloaded through the link as a user would, and read.
    const downloads = fs.mkdtempSync(path.join(f.root, 'downloads-'));
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.click('a.download[href$="/files/pdf"]');
    const pdfFile = await waitForFile(downloads, '.pdf');
    const pdf = await pdfText(new Uint8Array(fs.readFileSync(pdfFile)));
    expect(pdf.pages.length).toBeGreaterThan(5);
    expect(pdf.pages.join(' ')).toMatch(/Acme|acme/);
  }, 180_000);

  it('opens a run and re-sends it to an allow-listed address, which receives it once', async () => {
    await page.goto(`${server.url}/runs`);
    await Promise.all([page.waitForNavigation(), page.click(`a[href="/runs/${sentRunId}"]`)]);
    expect(await text(page, '#run-status')).toBe('succeeded');
    await page.type('#resend-to', 'secops@acme.example');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/resend"] button')]);
    const until = Date.now() + 60_000;
    while ((await text(page, '#job-state').catch(() => '')) !== 'succeeded') {
      if (Date.now() > until) throw new Error(`re-send job did not succeed: ${await page.content()}`);
      await page.waitForNavigation({ timeout: 5000 }).catch(() => undefined);
    }
    const toNew = smtp.received.filter((m) => m.to.includes('secops@acme.example'));
    expect(toNew).toHaveLength(1);
    expect(smtp.received).toHaveLength(2);
    expect(toNew[0]!.email.attachments.some((a) => a.mimeType === 'application/pdf')).toBe(true);
    // The run's page shows the re-send and who asked for it.
    await page.goto(`${server.url}/runs/${sentRunId}`);
    const history = await text(page, 'ul.audit');
    expect(history).toContain('operator');
    expect(history).toMatch(/resend/);
    // An address outside the customer's domains is refused and nothing is sent.
    await page.type('#resend-to', 'someone@evil.example');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/resend"] button')]);
    expect(await text(page, '.error')).toContain('evil.example');
    expect(smtp.received).toHaveLength(2);
  }, 120_000);

  it('pauses a schedule and its next run disappears; resuming brings it back', async () => {
    await page.goto(`${server.url}/schedules`);
    const row = 'tr[data-schedule="acme/daily"]';
    expect(await text(page, `${row} td.next`)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d/);
    await page.type(`${row} input[name=reason]`, 'maintenance window');
    await Promise.all([page.waitForNavigation(), page.click(`${row} button`)]);
    expect(await text(page, `${row} td.next`)).toBe('none (paused)');
    expect(await text(page, row)).toContain('maintenance window');
    expect(await new FileLedger(f.stateDir).pausedBy('acme', 'daily')).toMatchObject({ by: 'operator', reason: 'maintenance window' });
    await Promise.all([page.waitForNavigation(), page.click(`${row} button`)]);
    expect(await text(page, `${row} td.next`)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d/);
  }, 60_000);
});

async function waitForFile(dir: string, ext: string, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const done = fs.readdirSync(dir).find((n) => n.endsWith(ext));
    if (done) return path.join(dir, done);
    if (Date.now() > until) throw new Error(`no ${ext} file arrived in ${dir}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
