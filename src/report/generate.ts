import fs from 'node:fs/promises';
import path from 'node:path';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { buildReport, type ReportRequest } from './build.js';
import type { ReportModel } from './model.js';
import { renderHtml } from '../render/html.js';
import type { PdfRenderer } from '../render/renderer.js';
import type { Branding } from '../render/branding.js';
import type { PageSetup } from '../render/page.js';
import { RuntimeFailure, errorMessage } from '../errors.js';

export const FORMATS = ['pdf', 'html', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export interface GenerateOptions {
  formats: Format[];
  outDir: string;
  /** Needed only for PDF; a long-running process passes the same renderer to every report. */
  renderer?: PdfRenderer;
  /** The provider's (and customer's) branding; the built-in one when absent. */
  branding?: Branding;
  /** A directory of template overrides (report.hbs, partials/*.hbs). */
  templatesDir?: string;
  /** Paper size and orientation; A4 portrait when absent. */
  page?: PageSetup;
}

export interface GenerateResult {
  model: ReportModel;
  files: Partial<Record<Format, string>>;
  timings: { queryMs: number; renderMs: number; pdfMs: number; totalMs: number };
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'x';

export function reportBaseName(model: ReportModel): string {
  const day = (iso: string) => iso.slice(0, 16).replace(/:/g, '');
  const zones = model.tenant.zoneIds.length ? `_${safe(model.tenant.zoneIds.join('+'))}` : '';
  return `attack-report_${safe(model.tenant.accountId)}${zones}_${day(model.window.from)}_${day(model.window.to)}`;
}

/** The one pipeline both the CLI and (later) the scheduler call: query, analyse, render, write. */
export async function generateReport(target: ClickHouseTarget, req: ReportRequest, opts: GenerateOptions): Promise<GenerateResult> {
  const t0 = performance.now();
  const model = await buildReport(target, req);
  const t1 = performance.now();
  // A renderer whose browser is not up yet starts it here, while the charts render; a launch failure surfaces
  // from print() below, not as an unhandled rejection.
  if (opts.formats.includes('pdf')) opts.renderer?.warmUp().catch(() => undefined);
  let html: string | undefined;
  if (opts.formats.includes('html') || opts.formats.includes('pdf')) html = (await renderHtml(model, opts.branding, opts.templatesDir, opts.page)).html;
  const t2 = performance.now();
  let pdf: Buffer | undefined;
  if (opts.formats.includes('pdf')) {
    if (!opts.renderer) throw new RuntimeFailure('PDF requested but no renderer is available');
    const { pdf: bytes, blockedRequests } = await opts.renderer.print(html!, model, opts.branding, opts.page);
    if (blockedRequests.length > 0) {
      // The report is self-contained by construction; a request means hostile content got through. Fail loudly.
      throw new RuntimeFailure(`the report page tried to load ${blockedRequests.length} external resource(s), e.g. ${blockedRequests[0]}; nothing was written`);
    }
    pdf = bytes;
  }
  const t3 = performance.now();

  try {
    await fs.mkdir(opts.outDir, { recursive: true });
  } catch (err) {
    throw new RuntimeFailure(`cannot create the output directory ${opts.outDir}: ${errorMessage(err)}`);
  }
  const base = path.join(opts.outDir, reportBaseName(model));
  const files: GenerateResult['files'] = {};
  const write = async (format: Format, data: string | Buffer) => {
    const file = `${base}.${format}`;
    // Write then rename, so a reader never sees a half-written report.
    const tmp = `${file}.partial`;
    try {
      await fs.writeFile(tmp, data);
      await fs.rename(tmp, file);
    } catch (err) {
      throw new RuntimeFailure(`cannot write ${file}: ${errorMessage(err)}`);
    }
    files[format] = file;
  };
  if (opts.formats.includes('json')) await write('json', `${JSON.stringify(model, null, 2)}\n`);
  if (opts.formats.includes('html') && html) await write('html', html);
  if (pdf) await write('pdf', pdf);
  const t4 = performance.now();
  return { model, files, timings: { queryMs: t1 - t0, renderMs: t2 - t1, pdfMs: t3 - t2, totalMs: t4 - t0 } };
}
