/**
 * Measures what the visual test's threshold must tell apart, on the fixed report: pixels that differ between
 * two prints by the pinned Chromium (same browser and a fresh one), between the pinned and the system Chromium,
 * and after one digit in a table cell is changed. Re-run it after a change of look (fonts, charts) to check that
 * MAX_DIFFERENT_SHARE in test/visual.test.ts still sits between the noise and the smallest real change:
 *
 *   npx vite-node scripts/measure-visual.ts [--scale 1] [--system /usr/bin/chromium]
 */
import fs from 'node:fs';
import { openTestDb } from '../test/helpers/db.js';
import { fixedModel, pinnedRenderer, printModel, seedFixed } from '../test/helpers/fixed-report.js';
import { comparePngs, openPdf, rasterizePdf } from '../test/helpers/raster.js';
import { PdfRenderer } from '../src/render/renderer.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const scale = Number(arg('scale', '1'));
const systemChromium = arg('system', '/usr/bin/chromium');
/** Table cells (by position among numeric cells) whose last digit is bumped, one PDF each. */
const EDITED_CELLS = [0, 3, 7, 12, 20, 45];

/** Bumps the last digit of the n-th numeric table cell of the report HTML. */
function bumpCell(html: string, n: number): { html: string; what: string } {
  let seen = -1;
  let what = '';
  const out = html.replace(/(<td class="num">)([^<]*\d)([^<]*<\/td>)/g, (all, open: string, text: string, close: string) => {
    if (++seen !== n) return all;
    const bumped = text.replace(/\d(?=\D*$)/, (d) => String((Number(d) + 1) % 10));
    what = `${text} → ${bumped}`;
    return open + bumped + close;
  });
  return { html: out, what };
}

/** Pixels differing on each page whose PNG is not byte-identical. */
async function differences(a: Buffer, b: Buffer, pages: number[]): Promise<string> {
  const [pa, pb] = [await rasterizePdf(a, pages, scale), await rasterizePdf(b, pages, scale)];
  const rows = pages.flatMap((p, i) => {
    if (pa[i]!.equals(pb[i]!)) return [];
    const cmp = comparePngs(pa[i]!, pb[i]!);
    return [`p${p}: ${cmp.differentPixels} px (${(cmp.share * 100).toFixed(4)}%)`];
  });
  return rows.join(', ') || `all ${pages.length} pages byte-identical PNGs`;
}

const db = await openTestDb();
const pinned = await pinnedRenderer();
try {
  await seedFixed(db);
  const model = await fixedModel(db);
  const first = await printModel(pinned, model);
  const doc = await openPdf(first);
  const pages = Array.from({ length: doc.numPages }, (_, i) => i + 1);
  await doc.destroy();
  console.log(`scale ${scale} px/pt, ${pages.length} pages`);
  console.log(`pinned twice, same browser: ${await differences(first, await printModel(pinned, model), pages)}`);
  const fresh = await pinnedRenderer();
  console.log(`pinned twice, fresh browser: ${await differences(first, await printModel(fresh, model), pages)}`);
  await fresh.close();
  if (fs.existsSync(systemChromium)) {
    const system = new PdfRenderer({ env: { PUPPETEER_EXECUTABLE_PATH: systemChromium } });
    const version = await (await system.warmUp()).version();
    console.log(`pinned vs ${systemChromium} (${version}): ${await differences(first, await printModel(system, model), pages)}`);
    await system.close();
  }
  for (const n of EDITED_CELLS) {
    let what = '';
    const edited = await printModel(pinned, model, (html) => {
      const r = bumpCell(html, n);
      what = r.what;
      return r.html;
    });
    console.log(`numeric cell #${n} ${what}: ${await differences(first, edited, pages)}`);
  }
} finally {
  await pinned.close();
  await db.close();
}
