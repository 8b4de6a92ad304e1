/**
 * A dry run of `send`: the report is built into a directory of the caller's, and the emails are composed but
 * not sent. Nothing shared is touched (no ledger record, no archive, no outbox): a dry run is never history.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type Config, type CustomerConfig } from '../config/schema.js';
import { composeEmail, emailChart } from '../delivery/email.js';
import type { Branding } from '../render/branding.js';
import type { PdfRenderer } from '../render/renderer.js';
import { generateReport } from '../report/generate.js';
import { refuseWindowGaps, type WindowGapCheck } from '../report/on-demand.js';
import { resolveWindow } from '../report/window.js';
import { LIST_ACCOUNTS_HINT, missingTelemetry } from '../report/presence.js';
import { RuntimeFailure } from '../errors.js';

export interface PreviewEmail {
  to: string;
  subject: string;
  /** The attached PDF's name and size, or null when it would go as a note (over the size cap). */
  attachment: { filename: string; bytes: number } | null;
  /** The plain-text body as it would be sent (the HTML part says the same, with the chart). */
  text: string;
}

export async function previewSend(
  engines: { target: ClickHouseTarget; renderer: PdfRenderer; reportNotes?: string[]; sourceGaps?: WindowGapCheck },
  config: Config, customer: CustomerConfig, branding: Branding,
  window: { from: number; to: number }, recipients: string[], outDir: string,
): Promise<{ files: string[]; emails: PreviewEmail[] }> {
  // The real send would hold this run and send nothing (runner.ts): the preview says so instead of an all-clear.
  const missing = await missingTelemetry(engines.target, customer.accountId, customer.zones);
  if (missing) throw new RuntimeFailure(`a real send would be held and send nothing: ${missing} (${LIST_ACCOUNTS_HINT}); no preview was built`);
  const resolved = resolveWindow({ from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), tz: customer.timezone });
  await refuseWindowGaps(engines.sourceGaps, resolved.fromMs, resolved.toMs, 'a real send would be held and send nothing; no preview was built');
  const result = await generateReport(engines.target, { accountId: customer.accountId, zoneIds: customer.zones, window: resolved }, {
    formats: ['pdf'], outDir, renderer: engines.renderer, branding, notes: engines.reportNotes,
  });
  const pdfPath = result.files.pdf!;
  const pdf = { path: pdfPath, bytes: fs.statSync(pdfPath).size };
  const chart = await emailChart(result.model);
  const emails = recipients.map((to) => {
    const { message, mode } = composeEmail({
      model: result.model, branding, customerName: customer.name, pdf, messageId: '<dry-run@attack-report>', to,
      maxMessageBytes: config.smtp?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, chart,
    });
    const attached = message.attachments?.find((a) => a.contentType === 'application/pdf');
    // Composed, never sent: close the file the attachment would have streamed from.
    if (attached?.content instanceof Readable) attached.content.destroy();
    return { to, subject: String(message.subject), text: String(message.text ?? ''), attachment: mode === 'attachment' && attached ? { filename: String(attached.filename), bytes: pdf.bytes } : null };
  });
  return { files: Object.values(result.files).filter((f): f is string => !!f), emails };
}
