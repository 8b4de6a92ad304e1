/**
 * Page layout over several report shapes (paper, orientation, time zone, window length, telemetry in other
 * scripts with long hosts and paths), printed by real Chromium and read back with pdf.js: no heading ends a
 * page, no text runs off it, no host or path is broken inside a word, and the summary's key figures stay
 * with their heading.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from './helpers/db.js';
import { checkLayout } from './helpers/layout.js';
import { seedDemo } from '../src/seed/run.js';
import { buildReport } from '../src/report/build.js';
import type { ReportModel } from '../src/report/model.js';
import { resolveWindow } from '../src/report/window.js';
import { renderHtml } from '../src/render/html.js';
import { PdfRenderer } from '../src/render/renderer.js';
import type { PageSetup } from '../src/render/page.js';
import { BASELINE_COLOUR } from '../src/charts/palette.js';
import { breakableHtml } from '../src/render/breakable.js';

const TO_MS = Date.parse('2026-12-01T14:00:00Z');
const DAY = 86_400_000;

/** Long hosts and paths made of short words, and names in other scripts, for the `scripts` account. */
const HOSTS = ['checkout.eu-west-2.shop.acme.example', 'api.payments.internal-gateway.example', 'магазин.пример.example', '例え.テスト'];
const PATHS = [
  '/api/v2/customers/orders/history-export', '/account/settings/notifications-preferences', '/каталог/товары/распродажа-зима',
  '/商品/列表/详细信息', '/منتجات/عروض-الشتاء', '/खोज/परिणाम',
];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) crawler-bot/2.1', 'Поисковый робот/4.0', '爬虫机器人/1.0 (测试)', 'زاحف الويب', 'บอทค้นหา'];

interface Shape {
  name: string;
  account: string;
  days: number;
  tz: string;
  page: PageSetup;
  /** Ends the window this long before the hour, as `--last` does, so that it is widened to whole minutes (and says so). */
  offsetMs?: number;
}

const SHAPES: Shape[] = [
  { name: 'A4 portrait, Lisbon, 30 days', account: 'acme', days: 30, tz: 'Europe/Lisbon', page: { paper: 'A4', landscape: false } },
  { name: 'Letter landscape, Tokyo, 30 days', account: 'acme', days: 30, tz: 'Asia/Tokyo', page: { paper: 'Letter', landscape: true }, offsetMs: 1_800_500 },
  { name: 'A4 landscape, New York, 3 days', account: 'acme', days: 3, tz: 'America/New_York', page: { paper: 'A4', landscape: true } },
  { name: 'long hosts and other scripts, A4 portrait, Tokyo, 1 day', account: 'scripts', days: 1, tz: 'Asia/Tokyo', page: { paper: 'A4', landscape: false } },
  { name: 'long hosts and other scripts, Letter portrait, UTC, 1 day', account: 'scripts', days: 1, tz: 'UTC', page: { paper: 'Letter', landscape: false } },
];

let db: TestDb;
let renderer: PdfRenderer;

beforeAll(async () => {
  db = await openTestDb();
  renderer = new PdfRenderer({ env: process.env });
  renderer.warmUp().catch(() => undefined);
  await seedDemo(db.target, { seed: 42, scale: 0.005, days: 30, toMs: TO_MS, historyDays: 30 });
  // Two attacks on the last day, every request a different mix of long host, path and agent.
  const start = TO_MS - 10 * 3_600_000;
  await db.target.client.insert({
    table: 'ddos.l7_events', format: 'JSONEachRow',
    values: Array.from({ length: 600 }, (_, i) => ({
      AccountID: 'scripts', ZoneID: 'z1', Datetime: new Date(start + (i < 300 ? 0 : 4 * 3_600_000) + (i % 300) * 6_000).toISOString().replace('T', ' ').replace('Z', ''),
      Source: 'l7ddos', Action: 'block', ClientRequestHost: HOSTS[i % HOSTS.length], ClientRequestPath: PATHS[i % PATHS.length],
      ClientRequestUserAgent: AGENTS[i % AGENTS.length], AttackID: i < 300 ? 'scripts-1' : 'scripts-2', AttackVector: i < 300 ? 'HTTP Flood' : 'Cache Busting',
      ClientCountry: ['JP', 'RU', 'SA', 'IN'][i % 4], ClientIP: `::ffff:198.51.100.${i % 50}`,
    })),
  });
});

afterAll(async () => {
  await renderer?.close();
  await db?.close();
});

/** Hosts and paths the report prints whole: written in Latin or Cyrillic letters, short enough not to be shortened. */
function unbreakableTokens(model: ReportModel): string[] {
  const values = [
    ...model.topTargets.hosts.map((t) => t.value), ...model.topTargets.paths.map((t) => t.value),
    ...model.attacks.flatMap((a) => [a.target.host ?? '', a.target.path ?? '']),
  ];
  // CJK text breaks between any two ideographs by design, so only alphabetic scripts are checked.
  return [...new Set(values)].filter((v) => v.length >= 10 && v.length <= 39 && /^[\p{Script=Latin}\p{Script=Cyrillic}\d./_-]+$/u.test(v));
}

/** Each shape's model, built once for both checks. */
const models = new Map<Shape, Promise<ReportModel>>();
function shapeModel(shape: Shape): Promise<ReportModel> {
  let model = models.get(shape);
  if (!model) {
    const to = TO_MS - (shape.offsetMs ?? 0);
    const window = resolveWindow({ from: new Date(to - shape.days * DAY).toISOString(), to: new Date(to).toISOString(), tz: shape.tz });
    models.set(shape, (model = buildReport(db.target, { accountId: shape.account, zoneIds: [], window })));
  }
  return model;
}

describe('timeline charts', () => {
  it.each(SHAPES)('$name: time labels at round times of the zone, grey unattributed bars named in the legend', async (shape) => {
    const model = await shapeModel(shape);
    const { charts } = await renderHtml(model, undefined, undefined, shape.page);
    const timelines = charts.filter((c) => c.id.startsWith('timeline-'));
    expect(timelines.length).toBeGreaterThan(0);
    for (const chart of timelines) {
      const labels = chart.scene.texts.filter((t) => t.kind === 'category').map((t) => t.text);
      expect(labels.length, chart.id).toBeGreaterThanOrEqual(3);
      // A date ("02 Nov", local midnight), a time on the hour or a round half hour, or the first label with both.
      for (const l of labels) expect(l, `${chart.id} in ${shape.tz}`).toMatch(/^(\d\d [A-Z][a-z]{2}|(\d\d [A-Z][a-z]{2} )?\d\d:[03]0)$/);
      if (chart.scene.bars.some((g) => g.fill === BASELINE_COLOUR)) {
        expect(chart.scene.texts.filter((t) => t.kind === 'legend').map((t) => t.text), chart.id).toContain('Not attributed to an attack');
      }
    }
  });
});

describe('timeline of a short window', () => {
  it('is labelled on the local hour, in a zone half an hour off UTC too', async () => {
    // `--last 6h` at 13:37 UTC: 5-minute bars from 07:35 UTC, which is 13:05 in Kolkata.
    const to = TO_MS - 23 * 60_000;
    for (const tz of ['Asia/Kolkata', 'America/New_York']) {
      const window = resolveWindow({ from: new Date(to - 6 * 3_600_000).toISOString(), to: new Date(to).toISOString(), tz });
      const model = await buildReport(db.target, { accountId: 'acme', zoneIds: [], window });
      const { charts } = await renderHtml(model);
      const labels = charts.find((c) => c.id === 'timeline-l34')!.scene.texts.filter((t) => t.kind === 'category').map((t) => t.text);
      expect(labels.length, tz).toBeGreaterThanOrEqual(4);
      for (const l of labels) expect(l, tz).toMatch(/^(\d\d [A-Z][a-z]{2} )?\d\d:00$/);
    }
  });
});

describe('printed layout', () => {
  it.each(SHAPES)('$name: headings stay with their content, nothing runs off the page, hosts break only at separators', async (shape) => {
    const model = await shapeModel(shape);
    const { html } = await renderHtml(model, undefined, undefined, shape.page);
    const { pdf } = await renderer.print(html, model, undefined, shape.page);
    const tokens = unbreakableTokens(model);
    if (shape.account === 'scripts') expect(tokens).toEqual(expect.arrayContaining([HOSTS[0], HOSTS[1], PATHS[0], PATHS[2]]));
    const layout = await checkLayout(pdf, html, tokens, [['1. Executive summary', 'Mitigated requests (L7)', 'Top vector']]);
    expect(layout.pages).toBeGreaterThan(2);
    expect(layout.problems, shape.name).toEqual([]);
  });
});

describe('breakable hosts and paths', () => {
  it('may wrap only after separators, or inside a run too long for a column', () => {
    expect(breakableHtml('shop.acme.example')).toBe('shop.<wbr>acme.<wbr>example');
    expect(breakableHtml('/api/v2/history-export')).toBe('/<wbr>api/<wbr>v2/<wbr>history-<wbr>export');
    // Markup from the escaping helpers is left whole: tags, attributes and character references.
    expect(breakableHtml('&lt;script&gt;a.b<span class="x.y">c/d</span>')).toBe('&lt;script&gt;a.<wbr>b<span class="x.y">c/<wbr>d</span>');
    expect(breakableHtml('a'.repeat(40))).toBe(`${'a'.repeat(16)}<wbr>${'a'.repeat(16)}<wbr>${'a'.repeat(8)}`);
    // Never inside a grapheme: a family emoji is one character to a reader.
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    const out = breakableHtml(family.repeat(20));
    expect(out.replaceAll('<wbr>', '')).toBe(family.repeat(20));
    expect(out.split('<wbr>').every((part) => part.length % family.length === 0)).toBe(true);
  });
});
