/**
 * Visual regression: a few representative pages of a fixed report, printed by the Chromium pinned in
 * package-lock.json (@sparticuz/chromium) and rasterized in Node, against PNGs committed in test/goldens/.
 *
 *   npx vitest run test/visual.test.ts   compare
 *   npm run goldens:update               rewrite the goldens (UPDATE_GOLDENS=1), after an intended change of look
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from './helpers/db.js';
import { fixedModel, pinnedRenderer, printModel, seedFixed } from './helpers/fixed-report.js';
import { DEFAULT_SCALE, comparePngs, pdfBookmarks, rasterizePdf, type Bookmark } from './helpers/raster.js';
import type { PdfRenderer } from '../src/render/renderer.js';

const GOLDENS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'goldens');
const UPDATE = process.env.UPDATE_GOLDENS === '1';

/** 1 px per PDF point: the four goldens take about 320 KB (about 440 KB at 1.25 px/pt). */
const SCALE = DEFAULT_SCALE;

/**
 * Largest share of a page's pixels allowed to differ: 0.0005%, 2 pixels of an A4 page at 1 px/pt.
 * Measured with scripts/measure-visual.ts at 1 px/pt: two prints by the pinned Chromium (same browser or a fresh
 * one) give byte-identical PNGs on all 17 pages; one digit changed in a table cell changes 9 to 50 pixels
 * (0.0018–0.0100%). The bound sits well below the smallest real change and leaves room for a stray
 * anti-aliasing pixel that pixelmatch does not recognise as such on another CPU. (The system Chromium 156
 * differs from the pinned 143 by up to 186 pixels a page and moves one page's content down by a few pixels,
 * 4.8% of that page: hence the pinning.)
 */
const MAX_DIFFERENT_SHARE = 0.000005;

/** The pages compared, by role: found from the PDF's bookmarks, so they follow sections that move. */
const ROLES: { name: string; page: (marks: Bookmark[]) => number }[] = [
  { name: 'cover', page: () => 1 },
  { name: 'second page', page: () => 2 },
  // The first page of per-layer charts.
  { name: 'charts page', page: (marks) => bookmarkPage(marks, (b) => /^\d+\. Attack vectors$/.test(b.title)) },
  // The first suggested rule (the section heading itself may sit at the bottom of a page of signatures).
  { name: 'rules page', page: (marks) => firstRulePage(marks) },
];

let db: TestDb;
let renderer: PdfRenderer | undefined;
/** Page number → rendered PNG, for the pages of ROLES. */
const actual = new Map<number, Buffer>();
const pageOf = new Map<string, number>();
let failuresDir: string | undefined;

beforeAll(async () => {
  db = await openTestDb();
  await seedFixed(db);
  renderer = await pinnedRenderer();
  const pdf = await printModel(renderer, await fixedModel(db));
  const marks = await pdfBookmarks(pdf);
  for (const role of ROLES) pageOf.set(role.name, role.page(marks));
  const pages = [...new Set(pageOf.values())];
  const pngs = await rasterizePdf(pdf, pages, SCALE);
  pages.forEach((p, i) => actual.set(p, pngs[i]!));
});

afterAll(async () => {
  await renderer?.close();
  await db?.close();
});

describe('report pages look as the goldens', () => {
  for (const role of ROLES) {
    it(role.name, () => {
      const page = pageOf.get(role.name)!;
      const png = actual.get(page)!;
      const golden = goldenPath(page);
      if (UPDATE) {
        fs.mkdirSync(GOLDENS_DIR, { recursive: true });
        fs.writeFileSync(golden, png);
        return;
      }
      if (!fs.existsSync(golden)) expect.fail(`no golden ${rel(golden)} for the ${role.name} (page ${page}); run npm run goldens:update`);
      const cmp = comparePngs(fs.readFileSync(golden), png);
      if (cmp.share <= MAX_DIFFERENT_SHARE) return;
      const { actualFile, diffFile } = keepFailure(page, png, cmp.diffPng);
      const what = cmp.sizeMismatch ? 'has another size than its golden' : `differs in ${cmp.differentPixels} pixels (${pct(cmp.share)}; at most ${pct(MAX_DIFFERENT_SHARE)} allowed)`;
      expect.fail(
        `the ${role.name} (page ${page}) ${what}.\n  golden: ${rel(golden)}\n  actual: ${actualFile}\n  diff:   ${diffFile}\n` +
          'If the change is intended, run npm run goldens:update and commit the new goldens.',
      );
    });
  }

  it('has a golden for each page compared and no other', () => {
    const wanted = new Set([...pageOf.values()].map((p) => path.basename(goldenPath(p))));
    const present = fs.existsSync(GOLDENS_DIR) ? fs.readdirSync(GOLDENS_DIR).filter((f) => /^report-page-\d+\.png$/.test(f)) : [];
    const stale = present.filter((f) => !wanted.has(f));
    // A section that moved to another page leaves the golden of its old page behind.
    if (UPDATE) for (const f of stale) fs.rmSync(path.join(GOLDENS_DIR, f));
    else expect(stale, 'goldens of pages no longer compared; run npm run goldens:update').toEqual([]);
  });
});

function goldenPath(page: number): string {
  return path.join(GOLDENS_DIR, `report-page-${page}.png`);
}

/** Writes the actual page and the diff of a failed comparison to a temporary directory for a person to look at. */
function keepFailure(page: number, png: Buffer, diffPng: Buffer): { actualFile: string; diffFile: string } {
  failuresDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-visual-'));
  const actualFile = path.join(failuresDir, `report-page-${page}.actual.png`);
  const diffFile = path.join(failuresDir, `report-page-${page}.diff.png`);
  fs.writeFileSync(actualFile, png);
  fs.writeFileSync(diffFile, diffPng);
  return { actualFile, diffFile };
}

function bookmarkPage(marks: Bookmark[], match: (b: Bookmark) => boolean): number {
  const mark = marks.find(match);
  if (!mark?.page) throw new Error(`no such bookmark in the fixed report; bookmarks: ${marks.map((b) => b.title).join(' | ')}`);
  return mark.page;
}

function firstRulePage(marks: Bookmark[]): number {
  const heading = marks.findIndex((b) => /^\d+\. Suggested mitigation rules$/.test(b.title));
  const next = marks[heading + 1];
  if (heading >= 0 && next && next.depth > marks[heading]!.depth && next.page) return next.page;
  return bookmarkPage(marks, (b) => /^\d+\. Suggested mitigation rules$/.test(b.title));
}

const rel = (file: string) => path.relative(process.cwd(), file);
const pct = (share: number) => `${(share * 100).toFixed(4)}%`;
