/**
 * One report that prints the same PDF on every run and every machine, for visual regression tests: fixed demo
 * data (seed, scale, end hour), a fixed account and window, the model's clock pinned, and the Chromium that
 * ships inside the @sparticuz/chromium npm package rather than whatever browser the machine has.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { seedDemo } from '../../src/seed/run.js';
import { buildReport } from '../../src/report/build.js';
import type { ReportModel } from '../../src/report/model.js';
import { resolveWindow } from '../../src/report/window.js';
import { renderHtml } from '../../src/render/html.js';
import { PdfRenderer } from '../../src/render/renderer.js';
import type { TestDb } from './db.js';

export const FIXED = {
  seed: 7,
  /** Small enough to seed in a few seconds; 7 days of data still plant several attacks of both layers. */
  scale: 0.005,
  days: 7,
  /** A lighter week before the window, so the comparison with the previous period shows real figures. */
  historyDays: 7,
  toMs: Date.parse('2026-11-20T00:00:00Z'),
  accountId: 'acme',
  timezone: 'Europe/Lisbon',
  /** Shown on the cover and written into the PDF's information; the real value is the wall clock. */
  generatedAt: '2026-11-20T06:00:00.000Z',
} as const;

/** Seeds the fixed demo data into a (fresh) test database. */
export async function seedFixed(db: TestDb): Promise<void> {
  await seedDemo(db.target, { seed: FIXED.seed, scale: FIXED.scale, days: FIXED.days, toMs: FIXED.toMs, historyDays: FIXED.historyDays });
}

/** The fixed report's model, with the wall-clock field pinned (the report id already depends only on the request). */
export async function fixedModel(db: TestDb): Promise<ReportModel> {
  const window = resolveWindow({
    from: new Date(FIXED.toMs - FIXED.days * 86_400_000).toISOString(), to: new Date(FIXED.toMs).toISOString(), tz: FIXED.timezone,
  });
  const model = await buildReport(db.target, { accountId: FIXED.accountId, zoneIds: [], window });
  return { ...model, generatedAt: FIXED.generatedAt };
}

/**
 * The Chromium of the @sparticuz/chromium package (unpacked to the temp directory on first use). System
 * Chromium builds differ from machine to machine and render slightly differently; this one is pinned by the
 * lockfile, so goldens made on one machine hold on the others.
 */
export async function pinnedChromiumPath(): Promise<string> {
  const { default: chromium } = await import('@sparticuz/chromium');
  return chromium.executablePath();
}

/** The Chromium major version the installed @sparticuz/chromium package ships (its version's major, e.g. 143). */
function pinnedChromiumMajor(): string {
  // The package exports no package.json; its CommonJS entry sits two folders below the package root.
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const pkg = JSON.parse(fs.readFileSync(path.resolve(path.dirname(entry), '../../package.json'), 'utf8')) as { version: string };
  return pkg.version.split('.')[0]!;
}

/**
 * A renderer that prints with the pinned Chromium whatever PUPPETEER_EXECUTABLE_PATH or the system says, its
 * browser already started. @sparticuz/chromium reuses a binary it unpacked earlier into the temp directory, which
 * may come from another version of the package; such a browser would print goldens that other machines cannot
 * reproduce, so it is refused.
 */
export async function pinnedRenderer(): Promise<PdfRenderer> {
  const executablePath = await pinnedChromiumPath();
  const renderer = new PdfRenderer({ env: { PUPPETEER_EXECUTABLE_PATH: executablePath } });
  const version = await (await renderer.warmUp()).version();
  const major = pinnedChromiumMajor();
  if (!version.includes(`/${major}.`)) {
    await renderer.close();
    throw new Error(`${executablePath} is ${version}, but @sparticuz/chromium ${major} is installed: delete ${executablePath} so that it is unpacked again`);
  }
  return renderer;
}

/**
 * Prints a model as the report pipeline does (HTML with inlined charts, then Chromium), minus writing files.
 * `editHtml` lets a measurement change one visible thing in the page without touching the model.
 */
export async function printModel(renderer: PdfRenderer, model: ReportModel, editHtml: (html: string) => string = (h) => h): Promise<Buffer> {
  const { html } = await renderHtml(model);
  const { pdf, blockedRequests } = await renderer.print(editHtml(html), model);
  if (blockedRequests.length > 0) throw new Error(`the fixed report tried to load ${blockedRequests[0]}`);
  return pdf;
}
