import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from './helpers/db.js';
import { pageSizes, pdfText } from './helpers/pdf.js';
import { seedDemo } from '../src/seed/run.js';
import { resolveWindow } from '../src/report/window.js';
import { generateReport } from '../src/report/generate.js';
import { PdfRenderer } from '../src/render/renderer.js';
import { DEFAULT_BRANDING, loadBranding } from '../src/render/branding.js';
import { renderHtml } from '../src/render/html.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-branding-'));
const write = (name: string, content: string | Buffer) => {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
};
const LOGO = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><rect width="120" height="30" fill="#e11d48"/></svg>\n';

describe('branding file', () => {
  it('merges the provider values with the account overrides', () => {
    write('logo.svg', LOGO);
    const file = write('brand.json', JSON.stringify({
      name: 'Shieldline', logo: 'logo.svg', colours: { accent: '#e11d48' }, footer: 'Confidential', contact: 'soc@shieldline.example',
      legal: 'Prepared for the customer named on the cover.', customers: { acme: { reportTitle: 'Monthly attack review', colours: { coverTo: '#111111' } } },
    }));
    const acme = loadBranding(file, 'acme');
    expect(acme).toMatchObject({
      name: 'Shieldline', reportTitle: 'Monthly attack review', footer: 'Confidential', contact: 'soc@shieldline.example',
      colours: { accent: '#e11d48', coverFrom: DEFAULT_BRANDING.colours.coverFrom, coverTo: '#111111' },
    });
    expect(acme.logo!.dataUri.startsWith('data:image/svg+xml;base64,')).toBe(true);
    expect(loadBranding(file, 'globex').reportTitle).toBe(DEFAULT_BRANDING.reportTitle);
  });

  it.each([
    [{ colours: { accent: 'red;}body{display:none' } }, /colours\.accent: must be a colour written #rrggbb/],
    [{ name: 'x', tagline: 'y' }, /tagline|Unrecognized key/],
    [{ customers: { acme: { footer: '' } } }, /customers\.acme\.footer/],
    [{ logo: 'notes.txt' }, /is neither a PNG nor an SVG/],
    [{ logo: 'missing.svg' }, /cannot read the logo .*missing\.svg/],
  ])('rejects %j with a message naming the field', (content, message) => {
    write('notes.txt', 'hello');
    expect(() => loadBranding(write('bad.json', JSON.stringify(content)), 'acme')).toThrow(message);
  });

  it('reads a logo only when it is a regular file within the limit: never a device, a pipe or more than the limit', () => {
    const big = write('big.svg', LOGO);
    fs.truncateSync(big, 600 * 1024);
    const fifo = path.join(dir, 'logo-pipe.svg');
    if (!fs.existsSync(fifo)) expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const cases: [string, RegExp][] = [
      ['/dev/zero', /the logo \/dev\/zero is not a regular file \(a device\) \(named in .*brand-logo\.json\)/],
      [fifo, /the logo .*logo-pipe\.svg is not a regular file \(a named pipe\)/],
      [big, /the logo .*big\.svg is 614400 bytes; the limit is 512 KB/],
      [dir, /the logo .* is not a regular file \(a directory\)/],
    ];
    for (const [logo, message] of cases) expect(() => loadBranding(write('brand-logo.json', JSON.stringify({ logo })), 'acme')).toThrow(message);
    expect(() => loadBranding('/dev/zero', 'acme')).toThrow(/the branding file \/dev\/zero is not a regular file \(a device\)/);
  });

  it('refuses a provider name or report title with a line break: both go into every email subject', () => {
    for (const field of ['name', 'reportTitle']) {
      const file = write(`brand-${field}.json`, JSON.stringify({ [field]: 'Shield\r\nBcc: someone@evil.example' }));
      expect(() => loadBranding(file, 'acme')).toThrow(new RegExp(`${field}.*line break or another control character`));
    }
  });

  it('names a file that is not JSON', () => {
    expect(() => loadBranding(write('broken.json', '{ name: '), 'acme')).toThrow(/cannot read the branding file .*broken\.json/);
  });
});

describe('a branded report with a template override', () => {
  let db: TestDb;
  const TO_MS = Date.parse('2026-11-20T00:00:00Z');
  beforeAll(async () => {
    db = await openTestDb();
    await seedDemo(db.target, { seed: 4, scale: 0.005, days: 3, toMs: TO_MS });
  });
  afterAll(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('carries the name, logo, colours, footer, contact and legal notice, and the overriding partial', async () => {
    write('logo.svg', LOGO);
    const branding = loadBranding(write('brand.json', JSON.stringify({
      name: 'Shieldline', logo: 'logo.svg', logoAlt: 'Shieldline logo', colours: { accent: '#e11d48' }, footer: 'Confidential: Shieldline SOC',
      contact: 'soc@shieldline.example', legal: 'Prepared for the customer named on the cover; not for redistribution.',
    })), 'acme');
    const templatesDir = path.join(dir, 'templates');
    write('templates/partials/about.hbs', '<section class="section"><h2>About</h2><p>Custom about section for {{brand.name}}.</p></section>');
    const window = resolveWindow({ from: new Date(TO_MS - 3 * 86_400_000).toISOString(), to: new Date(TO_MS).toISOString(), tz: 'UTC' });
    const renderer = new PdfRenderer({ env: process.env });
    try {
      const r = await generateReport(db.target, { accountId: 'acme', zoneIds: [], window }, {
        formats: ['pdf', 'html'], outDir: path.join(dir, 'out'), renderer, branding, templatesDir,
      });
      const html = fs.readFileSync(r.files.html!, 'utf8');
      // Handlebars escapes the base64 padding '=' as &#x3D;, which the browser reads back as '='.
      expect(html).toContain(`<img class="logo" src="${branding.logo!.dataUri.replaceAll('=', '&#x3D;')}" alt="Shieldline logo">`);
      expect(html).toContain('--accent:#e11d48');
      expect(html).toContain('Custom about section for Shieldline.');
      const { pages, info } = await pdfText(fs.readFileSync(r.files.pdf!));
      const flat = (t: string) => t.replace(/\s+/g, '');
      // The cover shows the provider's name in capitals and carries no running footer.
      expect(pages[0]).toContain('SHIELDLINE');
      expect(flat(pages[0]!)).not.toContain(flat('Confidential: Shieldline SOC'));
      expect(flat(pages[1]!)).toContain(flat('Confidential: Shieldline SOC'));
      expect(flat(pages.join(' '))).toContain(flat('Custom about section for Shieldline.'));
      expect(info.Author).toBe('Shieldline');
      // The legal notice and contact live in the built-in about partial, which the override replaced here.
      expect(flat(pages.join(' '))).not.toContain(flat('not for redistribution'));
      const plain = (await renderHtml(r.model, branding)).html;
      expect(plain).toContain('Prepared for the customer named on the cover; not for redistribution.');
      expect(plain).toContain('Contact: soc@shieldline.example');
    } finally {
      await renderer.close();
    }
  });
  it('prints on Letter landscape when asked, A4 portrait by default, with the cover filling its page', async () => {
    const window = resolveWindow({ from: new Date(TO_MS - 86_400_000).toISOString(), to: new Date(TO_MS).toISOString(), tz: 'UTC' });
    const renderer = new PdfRenderer({ env: process.env });
    try {
      const req = { accountId: 'acme', zoneIds: [], window };
      const letter = await generateReport(db.target, req, { formats: ['pdf'], outDir: path.join(dir, 'letter'), renderer, page: { paper: 'Letter', landscape: true } });
      const a4 = await generateReport(db.target, req, { formats: ['pdf'], outDir: path.join(dir, 'a4'), renderer });
      const letterSizes = await pageSizes(fs.readFileSync(letter.files.pdf!));
      const a4Sizes = await pageSizes(fs.readFileSync(a4.files.pdf!));
      expect(new Set(letterSizes.map((s) => s.join('x')))).toEqual(new Set(['792x612']));
      expect(new Set(a4Sizes.map((s) => s.join('x')))).toEqual(new Set(['595x842']));
      // The cover is one page whatever the paper: page 2 starts with the executive summary.
      for (const r of [letter, a4]) expect((await pdfText(fs.readFileSync(r.files.pdf!))).pages[1]).toMatch(/Executive\s*summary/);
    } finally {
      await renderer.close();
    }
  });
});
