/**
 * The report email: the PDF attached, a short HTML body (executive summary and the timeline chart inline),
 * and a plain-text alternative. Over the size cap, the attachment is replaced by a note: a signed download
 * link when the web app has a public address (src/delivery/links.ts), else whom to ask for the report (never a
 * path on the server): an email is never sent empty or bounced for its size. Sending
 * retries transient SMTP failures (connection errors, 4xx replies) with backoff; a permanent refusal (5xx)
 * fails at once.
 */
import fs from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import pRetry, { AbortError } from 'p-retry';
import type { ReportModel } from '../report/model.js';
import { DEFAULT_BRANDING, type Branding } from '../render/branding.js';
import { formatDate, formatTime } from '../util/format.js';
import { revealHidden } from '../util/display.js';
import { attachmentName, emailPeriod } from './naming.js';
import { chartSpecs } from '../charts/specs.js';
import { chartPng, renderChart } from '../charts/render.js';
// Escapes for XML and HTML alike (& < > " ') and drops characters neither allows.
import { escapeXml } from '../charts/svg.js';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  maxMessageBytes: number;
  retries: { attempts: number; minDelayMs: number; maxDelayMs: number };
}

export interface EmailInput {
  model: ReportModel;
  branding: Branding;
  customerName: string;
  /** The PDF to attach; absent when the schedule produces no PDF (the email then says how to ask for the report). */
  pdf?: { path: string; bytes: number };
  messageId: string;
  to: string;
  maxMessageBytes: number;
  /** The inline chart (from emailChart), drawn once per run rather than per recipient and attempt. */
  chart: { png: Buffer; title: string } | null;
  /**
   * A signed download link of the report (web.publicUrl set): it replaces "ask for a copy" in the note, and with
   * `always` (web.linksInEmails) it is in the email beside the attachment too.
   */
  link?: { url: string; expiresAt: string; always: boolean };
}

/** The timeline chart as a PNG for the email body, from the same layout as the report's SVG. */
export async function emailChart(model: ReportModel): Promise<{ png: Buffer; title: string } | null> {
  const timeline = chartSpecs(model).find((s) => s.id.startsWith('timeline-'));
  return timeline ? { png: await chartPng(renderChart({ ...timeline, width: 640, height: 260 }), 1.5), title: timeline.title } : null;
}

/** Who a customer asks: the provider by name when the branding names one; never the product's own default name. */
function providerContact(branding: Branding): string {
  const who = branding.name !== DEFAULT_BRANDING.name ? `your ${branding.name} contact` : 'your DDoS protection provider';
  return branding.contact ? `${who} (${branding.contact})` : who;
}

/** base64 grows 4/3 plus line breaks; the body and headers are a few tens of KB at most. */
export const encodedSize = (bytes: number) => Math.ceil(bytes / 3) * 4 * (78 / 76) + 64 * 1024;

export function composeEmail(input: EmailInput): { message: Mail.Options; mode: 'attachment' | 'note' } {
  const { model, branding } = input;
  const tz = model.window.timezone;
  const period = emailPeriod(model);
  const subject = `${branding.reportTitle}: ${input.customerName}, ${period}`;
  const pdf = input.pdf;
  const fits = pdf !== undefined && encodedSize(pdf.bytes) <= input.maxMessageBytes;
  // The sentences carry telemetry already shown for reading (summary.ts); revealing again is a no-op on them and
  // keeps a hidden character out of both parts whatever a sentence holds.
  const sentences = model.summary.sentences.map(revealHidden);
  const { chart } = input;
  // Never the archive's path: it is a path on the provider's server, meaningless (and revealing) to a customer.
  const askFor = `ask ${providerContact(branding)} for a copy of report ${model.reportId}`;
  const link = input.link;
  const until = link ? `the link works until ${formatTime(link.expiresAt, tz)}` : '';
  const getIt = link ? `download it here (${until})` : askFor;
  const sizeNote = fits
    ? `The full report is attached as a PDF.${link?.always ? ` It can also be downloaded here (${until}):` : ''}`
    : pdf
      ? `The full report (${(pdf.bytes / 1024 ** 2).toFixed(1)} MB) is larger than this mail system accepts, so it is not attached; ${getIt}${link ? ':' : '.'}`
      : `The full report is not attached; ${getIt}${link ? ':' : '.'}`;
  const linkShown = link && (!fits || link.always) ? link.url : undefined;
  const text = [
    subject, '', ...sentences.map((s) => `- ${s}`), '', sizeNote, ...(linkShown ? [linkShown] : []), '',
    `Report ${model.reportId}. Times in ${tz}.`, branding.contact ? `Contact: ${branding.contact}` : '',
  ].filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n');
  const html = `<!DOCTYPE html><html><body style="font-family:Helvetica,Arial,sans-serif;color:#0f172a;max-width:680px">
<h2 style="margin:0 0 4px">${escapeXml(input.customerName)}</h2>
<p style="margin:0 0 16px;color:#64748b">${escapeXml(branding.reportTitle)} · ${escapeXml(period)} (${escapeXml(tz)})</p>
<ul>${sentences.map((s) => `<li>${escapeXml(s)}</li>`).join('')}</ul>
${chart ? `<p><img src="cid:timeline@attack-report" alt="${escapeXml(chart.title)}" width="640" style="max-width:100%"></p>` : ''}
<p>${escapeXml(sizeNote)}${linkShown ? ` <a href="${escapeXml(linkShown)}">${escapeXml(linkShown)}</a>` : ''}</p>
<p style="color:#64748b;font-size:12px">Report ${escapeXml(model.reportId)}${branding.contact ? ` · ${escapeXml(branding.contact)}` : ''}</p>
</body></html>`;
  const attachments: Mail.Attachment[] = [];
  if (chart) attachments.push({ filename: 'timeline.png', content: chart.png, cid: 'timeline@attack-report', contentType: 'image/png' });
  if (fits) attachments.push({ filename: attachmentName(input.customerName, model), content: fs.createReadStream(pdf.path), contentType: 'application/pdf' });
  return {
    mode: fits ? 'attachment' : 'note',
    message: { to: input.to, subject, text, html, attachments, messageId: input.messageId, headers: { 'X-Attack-Report-Id': model.reportId } },
  };
}

/** Whether an SMTP failure is worth retrying: network trouble and 4xx replies are; 5xx refusals are not. */
export function isTransient(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  if (typeof e.responseCode === 'number') return e.responseCode < 500;
  return true;
}

export function createTransport(smtp: SmtpSettings): Transporter<SMTPTransport.SentMessageInfo> {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
}

/** Sends one message, retrying transient failures with exponential backoff. */
export async function sendWithRetries(
  transport: Transporter<SMTPTransport.SentMessageInfo>,
  smtp: SmtpSettings,
  build: () => Promise<Mail.Options>,
  onRetry: (attempt: number, err: unknown) => void,
): Promise<SMTPTransport.SentMessageInfo> {
  return pRetry(
    async () => {
      try {
        // Built afresh each attempt: an attachment stream is consumed by a failed attempt.
        return await transport.sendMail({ from: smtp.from, ...(await build()) });
      } catch (err) {
        if (!isTransient(err)) throw new AbortError(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    },
    {
      retries: smtp.retries.attempts - 1,
      minTimeout: smtp.retries.minDelayMs,
      maxTimeout: smtp.retries.maxDelayMs,
      factor: 2,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0) onRetry(attemptNumber, error);
      },
    },
  );
}
