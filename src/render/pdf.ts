import type { Page } from 'puppeteer-core';
import type { ReportModel } from '../report/model.js';
import { formatDate } from '../util/format.js';
import { RuntimeFailure, errorMessage } from '../errors.js';
import { withPdfInfo, type PdfInfo } from './pdf-info.js';
import { DEFAULT_BRANDING, type Branding } from './branding.js';
import { DEFAULT_PAGE, type PageSetup } from './page.js';

/** The PDF's document information: what a mail client, a file manager or a search index shows of it. */
export function documentInfo(model: ReportModel, branding: Branding = DEFAULT_BRANDING): PdfInfo {
  const tenant = model.tenant.accountName ?? model.tenant.accountId;
  const from = formatDate(model.window.from, model.window.timezone);
  const to = formatDate(new Date(Date.parse(model.window.to) - 1).toISOString(), model.window.timezone);
  return {
    title: `${branding.reportTitle}: ${tenant}, ${from} – ${to}`,
    author: branding.name,
    subject: `Attacks on ${tenant} (${model.tenant.accountId}) from ${model.window.from} to ${model.window.to}, times in ${model.window.timezone}`,
    keywords: `DDoS; attack report; ${model.tenant.accountId}; ${model.reportId}`,
    creator: 'attack-report',
    producer: 'attack-report (Chromium)',
    created: model.generatedAt,
  };
}

/**
 * Prints self-contained report HTML to PDF in a fresh page of a browser or browser context. JavaScript is off (charts are pre-rendered
 * images) and every request the page tries to make is aborted: the report must not reach the network.
 * Returns the PDF and the number of requests that were blocked (zero for a well-formed report).
 */
export async function printPdf(
  pages: { newPage(): Promise<Page> },
  html: string,
  model: ReportModel,
  timeoutMs = 30_000,
  branding: Branding = DEFAULT_BRANDING,
  setup: PageSetup = DEFAULT_PAGE,
): Promise<{ pdf: Buffer; blockedRequests: string[] }> {
  const page = await pages.newPage();
  const blockedRequests: string[] = [];
  try {
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = request.url();
      if (url.startsWith('data:') || url === 'about:blank') {
        void request.continue();
      } else {
        blockedRequests.push(url);
        void request.abort('blockedbyclient');
      }
    });
    await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
    const pdf = await page.pdf({
      format: setup.paper,
      landscape: setup.landscape,
      printBackground: true,
      // The page size, margins and the running header and footer come from the document's @page rules.
      preferCSSPageSize: true,
      // Bookmarks from the section headings, so a reader can jump between sections.
      outline: true,
      timeout: timeoutMs,
    });
    return { pdf: withPdfInfo(Buffer.from(pdf), documentInfo(model, branding)), blockedRequests };
  } catch (err) {
    throw new RuntimeFailure(`PDF rendering failed: ${errorMessage(err)}`, { cause: err });
  } finally {
    await page.close().catch(() => undefined);
  }
}
