import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from './helpers/db.js';
import { pdfText, pdfTextItems } from './helpers/pdf.js';
import { generateReport, type GenerateResult } from '../src/report/generate.js';
import { resolveWindow } from '../src/report/window.js';
import { PdfRenderer } from '../src/render/renderer.js';
import { DEFAULT_BRANDING } from '../src/render/branding.js';
import { composeEmail } from '../src/delivery/email.js';
import type { ReportModel } from '../src/report/model.js';

// Telemetry that hides characters: a right-to-left override in a vector name, tag characters (U+E0000–E007F) in
// the dominant path and JA4, a zero-width space in the host, a line separator in a mitigation system, and a vector
// name of 8,192 characters. What the report shows of it must be what is there, and a rule must match what it shows.
const RLO_VECTOR = '\u202EUDP Flood';
const LONG_VECTOR = 'q'.repeat(8192);
const TAGGED_PATH = '/login\u{E0020}\u{E0041}\u{E0064}\u{E006D}';
const HIDDEN_JA4 = 't13d1516h2_8daaf6152771_e5627efa2ab1\u{E0020}';
const ZW_HOST = 'shop\u200B.example';
const AGENT = 'CleanBot/2.1 (+https://bot.example/info)';
/** Any character a reader does not see as itself, except the line breaks and tabs of the HTML source itself. */
const HIDDEN = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Zl}\p{Zp}\p{Cn}\p{Co}\p{Cs}]/u;
const hiddenIn = (s: string) => [...s.replace(/[\n\r\t]/g, '')].filter((c) => HIDDEN.test(c)).map((c) => c.codePointAt(0)!.toString(16));
const flat = (s: string) => s.replace(/\s+/g, '');
const unescapeHtml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&#x60;/g, '`').replace(/&amp;/g, '&');

let db: TestDb;
let renderer: PdfRenderer;
let out: string;
let result: GenerateResult;
let model: ReportModel;

beforeAll(async () => {
  db = await openTestDb();
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-display-'));
  renderer = new PdfRenderer({ env: process.env });
  const minute = (i: number) => `2026-11-10 10:${String(i % 60).padStart(2, '0')}:00.000`;
  await db.target.client.insert({
    table: 'ddos.net_samples', format: 'JSONEachRow',
    values: Array.from({ length: 120 }, (_, i) => ({
      AccountID: 'hidden', Datetime: minute(i), SampleInterval: 1000, AttackID: i % 3 ? 'n1' : 'n2', AttackVector: i % 3 ? RLO_VECTOR : LONG_VECTOR,
      MitigationSystem: 'dosd\u2028flowtrackd', Outcome: 'drop', IPDestinationAddress: '::ffff:203.0.113.9', IPProtocol: 17, IPProtocolName: 'udp',
      IPTotalLength: 600, IPTTL: 60, SourcePort: 40000 + i, DestinationPort: 27015,
    })),
  });
  await db.target.client.insert({
    table: 'ddos.l7_events', format: 'JSONEachRow',
    values: Array.from({ length: 60 }, (_, i) => ({
      AccountID: 'hidden', ZoneID: 'z1', Datetime: minute(i), Source: 'l7ddos', Action: 'block', ClientRequestHost: ZW_HOST, ClientRequestPath: TAGGED_PATH,
      JA4: HIDDEN_JA4, ClientRequestUserAgent: AGENT, AttackID: 'h1', AttackVector: 'Login Abuse', ClientCountry: 'XX',
    })),
  });
  const window = resolveWindow({ from: '2026-11-10T00:00:00Z', to: '2026-11-11T00:00:00Z' });
  result = await generateReport(db.target, { accountId: 'hidden', zoneIds: [], window }, { formats: ['pdf', 'html', 'json'], outDir: out, renderer });
  model = JSON.parse(fs.readFileSync(result.files.json!, 'utf8')) as ReportModel;
}, 180_000);

afterAll(async () => {
  await renderer?.close();
  await db?.close();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe('suggested rules from telemetry with hidden characters', () => {
  it('never put a hidden character in a rule, and the PDF, HTML and JSON carry the identical rule text', async () => {
    const l7 = model.recommendations.filter((r) => r.layer === 'L7');
    expect(l7.length).toBe(1);
    // The JA4 and path carry hidden characters; the clean user agent is what the rule can use.
    expect(l7[0]!.expression).toBe(`(http.user_agent eq "${AGENT}")`);
    expect(l7[0]!.rationale).toMatch(/Not used: its JA4 fingerprints and paths hold hidden characters/);
    const html = fs.readFileSync(result.files.html!, 'utf8');
    const shown = [...html.matchAll(/<pre class="expr">([^<]*)<\/pre>/g)].map((m) => unescapeHtml(m[1]!));
    const pdf = flat((await pdfText(fs.readFileSync(result.files.pdf!))).pages.join('\n'));
    for (const rec of model.recommendations) {
      for (const expression of [rec.expression, ...rec.equivalents.map((e) => e.expression)]) {
        expect(hiddenIn(expression), expression).toEqual([]);
        expect(shown).toContain(expression);
        expect(pdf).toContain(flat(expression));
      }
    }
  });
});

describe('telemetry text with hidden characters', () => {
  it('is shown with visible markers in the HTML, the PDF and the email, and no hidden character gets through', async () => {
    const html = fs.readFileSync(result.files.html!, 'utf8');
    const pages = (await pdfText(fs.readFileSync(result.files.pdf!))).pages;
    const pdf = flat(pages.join('\n'));
    const email = composeEmail({
      model, branding: DEFAULT_BRANDING, customerName: 'Hidden Co', archivedAt: '/archive/x.pdf', messageId: '<x@test>', to: 'soc@example.com',
      maxMessageBytes: 10_000_000, chart: null,
    }).message;
    const text = String(email.text);
    const emailHtml = String(email.html);
    expect(hiddenIn(html)).toEqual([]);
    expect(hiddenIn(pages.join(''))).toEqual([]);
    expect(hiddenIn(text)).toEqual([]);
    expect(hiddenIn(emailHtml)).toEqual([]);
    // The executive summary names the override instead of obeying it.
    expect(model.summary.sentences.join(' ')).toContain('[U+202E]UDP Flood');
    expect(text).toContain('[U+202E]UDP Flood');
    expect(emailHtml).toContain('[U+202E]UDP Flood');
    for (const marked of ['[U+202E]UDP Flood', 'shop[U+200B].example', '/login[U+E0020][U+E0041]', 'dosd[U+2028]flowtrackd']) {
      expect(html, marked).toContain(marked);
      expect(pdf, marked).toContain(flat(marked));
    }
    // The JSON keeps the values as they were.
    expect(model.vectors.map((v) => v.vector)).toContain(RLO_VECTOR);
  });

  it('caps an 8,192-character vector name with its length, and nothing runs off the page', async () => {
    const html = fs.readFileSync(result.files.html!, 'utf8');
    expect(html).not.toContain('q'.repeat(80));
    expect(html).toContain('(8,192 characters)');
    expect(model.summary.sentences.join(' ')).not.toContain('q'.repeat(80));
    const pdf = fs.readFileSync(result.files.pdf!);
    expect(flat((await pdfText(pdf)).pages.join(''))).toContain('(8,192characters)');
    const items = await pdfTextItems(pdf);
    expect(items.length).toBeGreaterThan(100);
    const outside = items.filter((it) => it.x < 0 || it.x + it.width > it.pageWidth + 0.5);
    expect(outside.map((it) => `p${it.page} x=${it.x.toFixed(0)} w=${it.width.toFixed(0)} ${it.str.slice(0, 40)}`)).toEqual([]);
  });
});
