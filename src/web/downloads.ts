/**
 * Report files leaving the server: a job's files (to a signed-in user or a token) and archived run artifacts
 * through signed, expiring links. An HTML report is served with its own Content-Security-Policy plus `sandbox`,
 * so that even framed in the app's page it runs no script and reaches nothing, whatever its telemetry says.
 */
import fs from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { WebDeps } from './actions.js';

const TYPES: Record<string, string> = { pdf: 'application/pdf', html: 'text/html; charset=utf-8', json: 'application/json; charset=utf-8' };

/** The report's own policy (templates/report.hbs), sandboxed, and frameable only by the app's own pages. */
export const REPORT_CSP = "default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'";

/** Sends one report file; `inline` shows it in the browser (the HTML preview), otherwise it downloads. */
export function sendReportFile(reply: FastifyReply, file: string, format: string, name: string, inline: boolean): FastifyReply {
  const type = TYPES[format] ?? 'application/octet-stream';
  // The name is ours (reportBaseName), but it is still quoted safely: ASCII fallback plus RFC 5987 form.
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, '_');
  void reply
    .header('content-type', type)
    .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff');
  if (format === 'html') void reply.header('content-security-policy', REPORT_CSP);
  return reply.send(fs.createReadStream(file));
}

export async function registerDownloads(_app: FastifyInstance, _deps: WebDeps): Promise<void> {
  // Signed links to archived artifacts are registered here once src/delivery/links.ts lands.
}
