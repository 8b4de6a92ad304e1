import type { ClickHouseTarget } from '../clickhouse/client.js';
import { buildReport, type ReportRequest } from './build.js';
import type { ReportModel } from './model.js';
import { renderHtml } from '../render/html.js';
import type { PdfRenderer } from '../render/renderer.js';
import type { Branding } from '../render/branding.js';
import type { PageSetup } from '../render/page.js';
import { RuntimeFailure } from '../errors.js';
import { reportBaseName, writeReportFiles } from './output.js';

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
  /** Replace files of the same name; otherwise the new report's names get a suffix (-2, -3…). */
  overwrite?: boolean;
  /** Notes to add to the report's own (shown on its summary page): what a source does not record, for one. */
  notes?: string[];
  /** Told as each stage starts, for progress shown to whoever waits (the web app's report page). */
  onStage?: (stage: ReportStage) => void;
}

export type ReportStage = 'querying' | 'rendering' | 'printing' | 'writing';

export interface GenerateResult {
  model: ReportModel;
  files: Partial<Record<Format, string>>;
  /** The names were taken, so the files carry a suffix. */
  renamed: boolean;
  timings: { queryMs: number; renderMs: number; pdfMs: number; totalMs: number };
}

/** The one pipeline both the CLI and (later) the scheduler call: query, analyse, render, write. */
export async function generateReport(target: ClickHouseTarget, req: ReportRequest, opts: GenerateOptions): Promise<GenerateResult> {
  const t0 = performance.now();
  opts.onStage?.('querying');
  return publishReport(await buildReport(target, req), opts, t0);
}

/**
 * The second half of every report's pipeline (a window report's, an incident report's): render the built model
 * to the requested formats and write them. `startedAt` (performance.now()) is when its queries began.
 */
export async function publishReport(model: ReportModel, opts: GenerateOptions, startedAt: number): Promise<GenerateResult> {
  const t0 = startedAt;
  if (opts.notes?.length) model.notes.push(...opts.notes);
  opts.onStage?.('rendering');
  const t1 = performance.now();
  // A renderer whose browser is not up yet starts it here, while the charts render; a launch failure surfaces
  // from print() below, not as an unhandled rejection.
  if (opts.formats.includes('pdf')) opts.renderer?.warmUp().catch(() => undefined);
  let html: string | undefined;
  if (opts.formats.includes('html') || opts.formats.includes('pdf')) html = (await renderHtml(model, opts.branding, opts.templatesDir, opts.page)).html;
  const t2 = performance.now();
  let pdf: Buffer | undefined;
  if (opts.formats.includes('pdf')) {
    opts.onStage?.('printing');
    if (!opts.renderer) throw new RuntimeFailure('PDF requested but no renderer is available');
    const { pdf: bytes, blockedRequests } = await opts.renderer.print(html!, model, opts.branding, opts.page);
    if (blockedRequests.length > 0) {
      // The report is self-contained by construction; a request means hostile content got through. Fail loudly.
      throw new RuntimeFailure(`the report page tried to load ${blockedRequests.length} external resource(s), e.g. ${blockedRequests[0]}; nothing was written`);
    }
    pdf = bytes;
  }
  const t3 = performance.now();

  opts.onStage?.('writing');
  const contents: [Format, string | Buffer][] = [];
  if (opts.formats.includes('json')) contents.push(['json', `${JSON.stringify(model, null, 2)}\n`]);
  if (opts.formats.includes('html') && html) contents.push(['html', html]);
  if (pdf) contents.push(['pdf', pdf]);
  const { files, renamed } = await writeReportFiles(opts.outDir, reportBaseName(model), contents, opts.overwrite);
  const t4 = performance.now();
  return { model, files, renamed, timings: { queryMs: t1 - t0, renderMs: t2 - t1, pdfMs: t3 - t2, totalMs: t4 - t0 } };
}
