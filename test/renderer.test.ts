import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from './helpers/db.js';
import { pdfText } from './helpers/pdf.js';
import { seedDemo } from '../src/seed/run.js';
import { buildReport } from '../src/report/build.js';
import { resolveWindow } from '../src/report/window.js';
import { renderHtml } from '../src/render/html.js';
import { PdfRenderer, processTree } from '../src/render/renderer.js';
import type { ReportModel } from '../src/report/model.js';

// Each test file runs in its own process (vitest forks), so the Chromium processes below this process are
// exactly the ones this file started.
const chromiumBelowUs = () =>
  processTree(process.pid).slice(1).filter((pid) => {
    try {
      return /chrom/i.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });

let db: TestDb;
let model: ReportModel;
let html: string;
const TO_MS = Date.parse('2026-11-20T00:00:00Z');

beforeAll(async () => {
  db = await openTestDb();
  await seedDemo(db.target, { seed: 3, scale: 0.005, days: 3, toMs: TO_MS });
  const window = resolveWindow({ from: new Date(TO_MS - 3 * 86_400_000).toISOString(), to: new Date(TO_MS).toISOString(), tz: 'UTC' });
  model = await buildReport(db.target, { accountId: 'acme', zoneIds: [], window });
  html = (await renderHtml(model)).html;
});

afterAll(async () => db?.close());

describe('pooled PDF renderer', () => {
  it('finishes a batch when Chromium is killed in the middle, retrying the interrupted reports, and leaves no Chromium behind', async () => {
    expect(chromiumBelowUs()).toEqual([]);
    const events: string[] = [];
    const renderer = new PdfRenderer({ env: process.env, concurrency: 2, onEvent: (e) => events.push(e) });
    try {
      const jobs = Array.from({ length: 6 }, () => renderer.print(html, model));
      await jobs[0];
      // Two reports are printing or queued right now; kill the whole browser under them.
      const pid = await renderer.browserPid();
      expect(pid).toBeDefined();
      for (const p of processTree(pid!).reverse()) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // A child can exit on its own once its parent is gone.
        }
      }
      const results = await Promise.all(jobs);
      for (const r of results) {
        expect(r.blockedRequests).toEqual([]);
        const { pages } = await pdfText(r.pdf);
        expect(pages.length).toBeGreaterThanOrEqual(4);
        expect(pages.join(' ')).toContain(model.reportId);
      }
      expect(renderer.stats.printed).toBe(6);
      expect(renderer.stats.retried).toBeGreaterThanOrEqual(1);
      // One replacement browser; a second only if a queued report picked up the dead one before it was noticed.
      expect(renderer.stats.browsersLaunched).toBeGreaterThanOrEqual(2);
      expect(renderer.stats.browsersLaunched).toBeLessThanOrEqual(3);
      expect(events.some((e) => e.includes('retrying on a fresh browser'))).toBe(true);
      expect(chromiumBelowUs().length).toBeGreaterThan(0);
    } finally {
      await renderer.close();
    }
    expect(chromiumBelowUs()).toEqual([]);
  });

  it('reuses its pages without carrying anything from one report to the next', async () => {
    const renderer = new PdfRenderer({ env: process.env, concurrency: 2 });
    try {
      // Without its Content-Security-Policy the page does ask for the image, and the interception records it.
      const hostile = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</main>', '<img src="http://127.0.0.1:9/leak.png" alt=""></main>');
      expect(hostile).not.toContain('Content-Security-Policy');
      const first = await renderer.print(hostile, model);
      expect(first.blockedRequests).toEqual(['http://127.0.0.1:9/leak.png']);
      const results = await Promise.all(Array.from({ length: 4 }, () => renderer.print(html, model)));
      // The page that blocked a request is printed on again; its record starts empty for each report.
      for (const r of results) expect(r.blockedRequests).toEqual([]);
      const texts = await Promise.all(results.map(async (r) => (await pdfText(r.pdf)).pages.join('\n')));
      expect(new Set(texts).size).toBe(1);
      // The initial tab plus at most one page per report printing at once.
      expect((await (await renderer.warmUp()).pages()).length).toBeLessThanOrEqual(3);
      expect(renderer.stats.browsersLaunched).toBe(1);
    } finally {
      await renderer.close();
    }
  });

  it('recycles the browser after a number of reports and closes every page it opened', async () => {
    const renderer = new PdfRenderer({ env: process.env, concurrency: 1, maxReportsPerBrowser: 2 });
    try {
      for (let i = 0; i < 5; i++) await renderer.print(html, model);
      expect(renderer.stats.printed).toBe(5);
      expect(renderer.stats.browsersLaunched).toBe(3);
      expect(renderer.stats.retried).toBe(0);
      // The fifth report ran on the third browser: its initial blank tab and the one report page kept for the
      // next report (one at a time here) are all that is open.
      const pages = await (await renderer.warmUp()).pages();
      expect(pages.map((p) => p.url())).toEqual(['about:blank', 'about:blank']);
    } finally {
      await renderer.close();
    }
    expect(chromiumBelowUs()).toEqual([]);
  });

  it('replaces the browser in a batch that never pauses, closing the old one when its last print ends', async () => {
    const renderer = new PdfRenderer({ env: process.env, concurrency: 2, maxReportsPerBrowser: 3 });
    try {
      const results = await Promise.all(Array.from({ length: 10 }, () => renderer.print(html, model)));
      expect(results).toHaveLength(10);
      expect(renderer.stats.printed).toBe(10);
      // A browser prints its 3 reports plus at most the one already running beside the third: 4, 4, then 2.
      expect(renderer.stats.browsersLaunched).toBeGreaterThanOrEqual(3);
      // Only the current browser is left running: the replaced ones were closed behind the batch.
      const current = await renderer.browserPid();
      const browsers = chromiumBelowUs().filter((pid) => !processTree(current!).includes(pid));
      expect(browsers).toEqual([]);
    } finally {
      await renderer.close();
    }
    expect(chromiumBelowUs()).toEqual([]);
  });

  it('gives up on a print that passes its deadline, and the report is retried once', async () => {
    const renderer = new PdfRenderer({ env: process.env, printTimeoutMs: 1 });
    try {
      await expect(renderer.print(html, model)).rejects.toThrow(/longer than 1 ms/);
      expect(renderer.stats.retried).toBe(1);
    } finally {
      await renderer.close();
    }
    expect(chromiumBelowUs()).toEqual([]);
  });
});
