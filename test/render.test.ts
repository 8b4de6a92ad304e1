import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openTestDb, type TestDb } from './helpers/db.js';
import { embeddedFontNames, pdfText } from './helpers/pdf.js';
import { seedDemo } from '../src/seed/run.js';
import { generateReport, type GenerateResult } from '../src/report/generate.js';
import { resolveWindow } from '../src/report/window.js';
import { PdfRenderer } from '../src/render/renderer.js';
import { SCHEMAS_DIR } from '../src/util/paths.js';

let db: TestDb;
let renderer: PdfRenderer;
let out: string;
let result: GenerateResult;
/** Table cells wrap anywhere in print; compare text with whitespace removed. */
const flat = (s: string) => s.replace(/\s+/g, '');
const TO_MS = Date.parse('2026-11-20T00:00:00Z');

beforeAll(async () => {
  db = await openTestDb();
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-out-'));
  await seedDemo(db.target, { seed: 5, scale: 0.02, days: 30, toMs: TO_MS });
  renderer = new PdfRenderer({ env: process.env });
  const window = resolveWindow({ from: new Date(TO_MS - 30 * 86_400_000).toISOString(), to: new Date(TO_MS).toISOString(), tz: 'Europe/Lisbon' });
  result = await generateReport(db.target, { accountId: 'acme', zoneIds: [], window }, { formats: ['pdf', 'html', 'json'], outDir: out, renderer });
});

afterAll(async () => {
  await renderer?.close();
  await db?.close();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe('rendered report', () => {
  it('writes a JSON file valid against the committed schema', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, 'report.schema.json'), 'utf8')));
    const json = JSON.parse(fs.readFileSync(result.files.json!, 'utf8'));
    expect(validate(json), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(json.tenant.accountId).toBe('acme');
    // The schema is strict: an unknown field fails validation, so it cannot drift from the model silently.
    expect(validate({ ...json, surprise: 1 })).toBe(false);
  });

  it('writes HTML that references no external resource', () => {
    const html = fs.readFileSync(result.files.html!, 'utf8');
    const refs = [...html.matchAll(/(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    // Only inlined data and links to the document's own sections (the contents list).
    expect(refs.filter((r) => !r.startsWith('data:') && !/^#[a-z]+$/.test(r))).toEqual([]);
    expect([...html.matchAll(/url\(\s*['"]?([^'")]+)/gi)].map((m) => m[1]!).filter((u) => !u.startsWith('data:'))).toEqual([]);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("default-src 'none'");
  });

  it('prints a multi-page PDF whose text carries the report', async () => {
    const { pages } = await pdfText(fs.readFileSync(result.files.pdf!));
    expect(pages.length).toBeGreaterThanOrEqual(4);
    const text = flat(pages.join('\n'));
    expect(pages[0]).toContain('Acme Retail');
    expect(text).toContain('Executivesummary');
    expect(text).toContain(flat(result.model.summary.sentences[0]!));
    expect(text).toContain(result.model.reportId);
    expect(text).toMatch(/Page2of\d+/);
    // The running header, from a CSS margin box: spaces around the separator survive the CSS escaping.
    expect(pages[1]).toContain('Acme Retail · DDoS attack report');
    for (const v of result.model.vectors) expect(text).toContain(flat(v.vector));
    // Document information (an incremental update on Chromium's PDF) and bookmarks from the section headings.
    const { info, outline } = await pdfText(fs.readFileSync(result.files.pdf!));
    expect(info.Title).toBe(`DDoS attack report: Acme Retail, ${pages[0]!.match(/\d{1,2} \w{3} \d{4} – \d{1,2} \w{3} \d{4}/)![0]}`);
    expect(info.Author).toBe('Attack Report');
    expect(String(info.Subject)).toContain('(acme)');
    expect(String(info.Keywords)).toContain(result.model.reportId);
    expect(info.Creator).toBe('attack-report');
    expect(outline).toEqual(expect.arrayContaining(['1. Executive summary', '9. Traffic signatures', '10. Suggested mitigation rules']));
    expect(text).toContain('Trafficsignatures');
    expect(text).toContain('Suggestedmitigationrules');
    expect(result.model.recommendations.length).toBeGreaterThan(0);
    for (const r of result.model.recommendations) {
      expect(text).toContain(flat(r.expression));
      for (const e of r.equivalents) expect(text).toContain(flat(e.expression));
    }
    for (const r of result.model.rulePolicy.rejected) expect(text).toContain(flat(r.reason));
  });

  it('draws its charts as vectors, with their labels as text', async () => {
    const pdf = fs.readFileSync(result.files.pdf!);
    const html = fs.readFileSync(result.files.html!, 'utf8');
    expect(html.match(/<figure class="chart"><figcaption>[^<]*<\/figcaption><svg /g)?.length).toBeGreaterThanOrEqual(4);
    // No raster image anywhere in the PDF (the default branding has no logo).
    expect(pdf.toString('latin1')).not.toMatch(/\/Subtype\s*\/Image/);
    const text = flat((await pdfText(pdf)).pages.join('\n'));
    // Axis and legend text of the timeline is real text.
    expect(text).toContain('Notattributedtoanattack');
    expect(text).toMatch(/0bps/);
  });

  it('opens with a contents list whose page numbers are the pages the sections start on', async () => {
    const { pages } = await pdfText(fs.readFileSync(result.files.pdf!));
    expect(pages[1]).toContain('Contents');
    const entries = [...pages[1]!.matchAll(/^(\d+\. [^\n]+?|About this report) (\d+)$/gm)].map((m) => ({ title: m[1]!, page: Number(m[2]) }));
    expect(entries.map((e) => e.title)).toEqual(expect.arrayContaining(['1. Executive summary', '3. Timeline', '10. Suggested mitigation rules', 'About this report']));
    expect(entries.length).toBeGreaterThanOrEqual(11);
    let previous = 2;
    for (const { title, page } of entries) {
      expect(page, title).toBeGreaterThanOrEqual(previous);
      expect(pages[page - 1], `${title} on page ${page}`).toContain(title);
      // Not on an earlier page after the contents page: the number is where the section starts.
      for (let p = 3; p < page; p++) expect(pages[p - 1], `${title} before page ${page}`).not.toContain(title);
      previous = page;
    }
    // The HTML has the same list as links, without page numbers.
    const html = fs.readFileSync(result.files.html!, 'utf8');
    expect(html).toContain('<a href="#summary"><span class="contents-title">1. Executive summary</span><span class="contents-page" data-contents-page="summary"></span></a>');
  });
});

describe('hostile telemetry', () => {
  it('is shown as text, never executed, and causes no request', async () => {
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const hostile = {
      host: `<script>fetch('http://127.0.0.1:${port}/s')</script>`,
      path: `/<img src=http://127.0.0.1:${port}/i.png>`,
      css: `x{background:url(http://127.0.0.1:${port}/c)}`,
      // A right-to-left override, a zero-width space, emoji and a very long string.
      agents: ['\u202Eexe.gnp', 'ad\u200Bmin-bot', '\u{1F525}bot\u{1F916}', 'bot~'.repeat(750)],
    };
    try {
      await db.target.client.insert({
        table: 'ddos.l7_events', format: 'JSONEachRow',
        values: Array.from({ length: 30 }, (_, i) => ({
          AccountID: 'hostile', ZoneID: 'z1', Datetime: `2026-11-10 10:${String(i).padStart(2, '0')}:00.000`, Source: 'l7ddos', Action: 'block',
          ClientRequestHost: i % 2 ? hostile.host : hostile.css, ClientRequestPath: hostile.path, AttackID: 'h1', AttackVector: 'HTTP Flood',
          ClientCountry: 'XX', ClientRequestUserAgent: hostile.agents[i % hostile.agents.length],
        })),
      });
      const window = resolveWindow({ from: '2026-11-10T00:00:00Z', to: '2026-11-11T00:00:00Z' });
      const r = await generateReport(db.target, { accountId: 'hostile', zoneIds: [], window }, { formats: ['pdf', 'html'], outDir: out, renderer });
      const html = fs.readFileSync(r.files.html!, 'utf8');
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('<img src=http');
      expect(html).toContain('&lt;script&gt;');
      const text = flat((await pdfText(fs.readFileSync(r.files.pdf!))).pages.join('\n'));
      expect(text).toContain(flat(`/<img src=http://127.0.0.1:${port}/i.png>`));
      expect(text).toContain('<script>fetch(');
      // Invisible and direction-changing characters are shown as code points, never applied.
      expect(html).not.toContain('\u202E');
      expect(html).not.toContain('\u200B');
      expect(text).toContain(flat('[U+202E]exe.gnp'));
      expect(text).toContain(flat('ad[U+200B]min-bot'));
      expect(html).toContain('\u{1F525}bot\u{1F916}');
      // The 3,000-character agent is shortened with an ellipsis wherever it is shown ('~' is not base64, so
      // the inlined images cannot match).
      expect(html).not.toContain('bot~'.repeat(25));
      expect(html).toContain(`${'bot~'.repeat(15).slice(0, 59)}…`);
      const { pages } = await pdfText(fs.readFileSync(r.files.pdf!));
      expect(pages.length).toBeGreaterThanOrEqual(4);
      expect(pages.length).toBeLessThanOrEqual(12);
      // Whatever rule is suggested from these strings is printed as written, escaped for the Rules language.
      for (const rec of r.model.recommendations) expect(text).toContain(flat(rec.expression));
      expect(r.model.recommendations.every((rec) => !/[\u200b\u202e]/u.test(rec.expression))).toBe(true);
      expect(hits).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe('telemetry in other scripts', () => {
  it('prints as glyphs from the fonts shipped with the project, never from system fonts', async () => {
    // Shown in the report as request paths (top targets) and user agents (signatures).
    const agents = {
      chinese: '爬虫机器人/1.0 (测试)',
      japanese: 'クローラー/2.0 ひらがな',
      korean: '크롤러 봇/3.0',
      arabic: 'زاحف الويب',
      hebrew: 'סורק אתרים',
      russian: 'Поисковый робот/4.0',
      thai: 'บอทค้นหา',
      hindi: 'खोज बॉट',
      emoji: 'bot \u{1F680}\u{1F6E1}',
    };
    const list = Object.values(agents);
    await db.target.client.insert({
      table: 'ddos.l7_events', format: 'JSONEachRow',
      values: Array.from({ length: 45 }, (_, i) => ({
        AccountID: 'scripts', ZoneID: 'z1', Datetime: `2026-11-10 11:${String(i).padStart(2, '0')}:00.000`, Source: 'l7ddos', Action: 'block',
        ClientRequestHost: 'shop.example', ClientRequestPath: `/${list[i % list.length]}`, AttackID: 's1', AttackVector: 'HTTP Flood', ClientCountry: 'XX',
        ClientRequestUserAgent: list[i % list.length],
      })),
    });
    const window = resolveWindow({ from: '2026-11-10T00:00:00Z', to: '2026-11-11T00:00:00Z' });
    const r = await generateReport(db.target, { accountId: 'scripts', zoneIds: [], window }, { formats: ['pdf', 'html'], outDir: out, renderer });
    const pdf = fs.readFileSync(r.files.pdf!);
    const fonts = embeddedFontNames(pdf);
    // Every embedded font is one of ours; a system font stepping in for a missing glyph would show up here.
    for (const f of fonts) expect(f).toMatch(/^(Inter|NotoSansMono|NotoSansSC|NotoSansArabic|NotoSansHebrew|NotoSansThai|NotoSansDevanagari|NotoSansKR|NotoEmoji)/);
    for (const family of ['Inter', 'NotoSansSC', 'NotoSansArabic', 'NotoSansHebrew', 'NotoSansThai', 'NotoSansDevanagari', 'NotoSansKR', 'NotoEmoji']) {
      expect(fonts.some((f) => f.startsWith(family)), `${family} in ${fonts.join(', ')}`).toBe(true);
    }
    const text = flat((await pdfText(pdf)).pages.join('\n'));
    for (const agent of [agents.chinese, agents.japanese, agents.korean, agents.russian]) expect(text).toContain(flat(`/${agent}`));
    // Only the subsets holding the document's characters are embedded: a few CJK files of tens of KB, not the 4 MB family.
    const html = fs.readFileSync(r.files.html!, 'utf8');
    const cjkFaces = html.match(/font-family:'CjkReport'/g) ?? [];
    expect(cjkFaces.length).toBeGreaterThan(0);
    expect(cjkFaces.length).toBeLessThan(15);
    expect(html.length).toBeLessThan(3_000_000);
  });
});
