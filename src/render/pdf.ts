import type { Page } from 'puppeteer-core';
import type { ReportModel } from '../report/model.js';
import { formatDate } from '../util/format.js';
import { RuntimeFailure, errorMessage } from '../errors.js';
import { withPdfInfo, type PdfInfo } from './pdf-info.js';
import { DEFAULT_BRANDING, type Branding } from './branding.js';
import { DEFAULT_PAGE, type PageSetup } from './page.js';
import { CONTENTS_PAGE_ATTRIBUTE } from './contents.js';
import { namedDestinationPages } from './pdf-dests.js';
import type { ReportPage } from './report-page.js';

/** The PDF's document information: what a mail client, a file manager or a search index shows of it. */
export function documentInfo(model: ReportModel, branding: Branding = DEFAULT_BRANDING): PdfInfo {
  const tenant = model.tenant.accountName ?? model.tenant.accountId;
  const from = formatDate(model.window.from, model.window.timezone);
  const to = formatDate(new Date(Date.parse(model.window.to) - 1).toISOString(), model.window.timezone);
  const incident = model.incident;
  return {
    title: incident ? `${branding.reportTitle}: ${tenant}, attack ${incident.attackId}, ${from}` : `${branding.reportTitle}: ${tenant}, ${from} – ${to}`,
    author: branding.name,
    subject: incident
      ? `Incident report of attack ${incident.attackId} on ${tenant} (${model.tenant.accountId}), ${incident.span.start} to ${incident.span.end}, times in ${model.window.timezone}`
      : `Attacks on ${tenant} (${model.tenant.accountId}) from ${model.window.from} to ${model.window.to}, times in ${model.window.timezone}`,
    keywords: `DDoS; ${incident ? `incident report; ${incident.attackId}` : 'attack report'}; ${model.tenant.accountId}; ${model.reportId}`,
    creator: 'attack-report',
    producer: 'attack-report (Chromium)',
    created: model.generatedAt,
  };
}

/**
 * Prints self-contained report HTML to PDF on a report page (src/render/report-page.ts: the page's own
 * JavaScript off, every request aborted and recorded). Returns the PDF and the requests that were blocked
 * (none for a well-formed report).
 */
export async function printPdf(
  slot: ReportPage,
  html: string,
  model: ReportModel,
  timeoutMs = 30_000,
  branding: Branding = DEFAULT_BRANDING,
  setup: PageSetup = DEFAULT_PAGE,
): Promise<{ pdf: Buffer; blockedRequests: string[] }> {
  const { page } = slot;
  try {
    await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
    // `final` prints are tagged (a structure tree for screen readers and reflow) and carry bookmarks; the
    // contents pass only needs to know where sections land, and untagged it prints in about two thirds of the time.
    const print = async (final: boolean) =>
      Buffer.from(
        await page.pdf({
          format: setup.paper,
          landscape: setup.landscape,
          printBackground: true,
          // The page size, margins and the running header and footer come from the document's @page rules.
          preferCSSPageSize: true,
          // Bookmarks from the section headings, so a reader can jump between sections.
          outline: final,
          tagged: final,
          timeout: timeoutMs,
        }),
      );
    const hasContents = html.includes(CONTENTS_PAGE_ATTRIBUTE);
    let pdf = await print(!hasContents);
    // The contents list needs the page each section landed on: read it from the first print, write it into
    // the page and print again. Filling the fixed-width cells moves nothing, so the second print confirms the
    // numbers; a third is the bound should it not.
    if (hasContents) {
      await fillContentsPages(page, namedDestinationPages(pdf));
      pdf = await print(true);
      if (await fillContentsPages(page, namedDestinationPages(pdf))) pdf = await print(true);
    }
    return { pdf: withPdfInfo(pdf, documentInfo(model, branding)), blockedRequests: [...slot.blocked] };
  } catch (err) {
    throw new RuntimeFailure(`PDF rendering failed: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Writes each section's page number into its contents cell. Runs as a DevTools evaluation, which works with
 * the page's own scripts disabled. Returns whether any cell changed.
 */
async function fillContentsPages(page: Page, pages: Map<string, number>): Promise<boolean> {
  return page.evaluate(
    (attribute: string, numbers: Record<string, number>) => {
      let changed = false;
      for (const cell of document.querySelectorAll(`[${attribute}]`)) {
        const n = numbers[cell.getAttribute(attribute) ?? ''];
        const text = n === undefined ? '' : String(n);
        if (cell.textContent !== text) {
          cell.textContent = text;
          changed = true;
        }
      }
      return changed;
    },
    CONTENTS_PAGE_ATTRIBUTE,
    Object.fromEntries(pages),
  );
}
