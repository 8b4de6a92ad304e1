import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { PACKAGE_ROOT, SCHEMAS_DIR } from '../../src/util/paths.js';
import { pdfText } from '../helpers/pdf.js';

// The README's quick start, as a user runs it: `attack-report demo` on an empty data directory, full size.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-demo-'));
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-demo-out-'));

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(outDir, { recursive: true, force: true });
});

describe('npm run demo on a fresh data directory', () => {
  const run = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'bin/attack-report.js'), '--data-dir', dataDir, 'demo', '--out', outDir], {
    encoding: 'utf8',
    env: { ...process.env, CLICKHOUSE_URL: '' },
    timeout: 180_000,
  });
  const files = run.stdout.trim().split('\n').filter(Boolean);

  it('exits 0 and prints the three report files', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(files.map((f) => path.extname(f)).sort()).toEqual(['.html', '.json', '.pdf']);
    for (const f of files) expect(fs.statSync(f).size).toBeGreaterThan(1000);
  });

  it('seeds the default size', () => {
    const m = /seeded ([\d,]+) L3\/4 samples and ([\d,]+) L7 events/.exec(run.stderr);
    expect(m, run.stderr).not.toBeNull();
    expect(Number(m![1]!.replace(/,/g, ''))).toBeGreaterThanOrEqual(5_000_000);
    expect(Number(m![2]!.replace(/,/g, ''))).toBeGreaterThanOrEqual(1_000_000);
  });

  it('writes a PDF of several pages, offline HTML and schema-valid JSON', async () => {
    const pdf = files.find((f) => f.endsWith('.pdf'))!;
    const { pages } = await pdfText(fs.readFileSync(pdf));
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(pages[0]).toContain('Acme Retail');
    const html = fs.readFileSync(files.find((f) => f.endsWith('.html'))!, 'utf8');
    expect([...html.matchAll(/(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((x) => x[1]!).filter((u) => !u.startsWith('data:') && !/^#[a-z]+$/.test(u))).toEqual([]);
    const ajv = new Ajv2020({ strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, 'report.schema.json'), 'utf8')));
    const model = JSON.parse(fs.readFileSync(files.find((f) => f.endsWith('.json'))!, 'utf8'));
    expect(validate(model), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(model.attacks.length).toBeGreaterThan(0);
    expect(new Set(model.vectors.map((v: { vector: string }) => v.vector)).size).toBeGreaterThanOrEqual(8);
  });
});
