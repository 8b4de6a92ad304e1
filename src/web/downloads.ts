/**
 * Report files leaving the server: a job's files (to a signed-in user or a token) and archived run artifacts
 * through signed, expiring links. An HTML report is served with its own Content-Security-Policy plus `sandbox`,
 * so that even framed in the app's page it runs no script and reaches nothing, whatever its telemetry says.
 */
import fs from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { WebDeps } from './actions.js';
import { loadLinkSecret } from '../delivery/links.js';
import { openDownload } from '../delivery/download.js';
import { apiError } from './auth.js';

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

/**
 * `GET /d/:token`: an archived report through a signed, expiring link (the ones emails carry). The link is the
 * credential, so no sign-in; the token names one run's one format until it expires, and the file is served only
 * while it still matches the SHA-256 recorded when it was archived. Always as a download: an archived HTML report
 * must not run as a page of the app's origin.
 */
export async function registerDownloads(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const secret = loadLinkSecret(deps.loaded.config.worker.stateDir);
  app.get('/d/:token', { config: { auth: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const token = (req.params as { token: string }).token;
    const r = await openDownload(deps.ctx.ledger, secret, token);
    if (!r.ok) {
      deps.ctx.log.warn({ ip: req.ip, status: r.status, reason: r.error }, 'download link refused');
      return reply.code(r.status).send(apiError(r.status === 410 ? 'gone' : r.status === 404 ? 'not_found' : 'forbidden', r.error));
    }
    deps.ctx.log.info({ ip: req.ip, runId: r.run.id, format: r.artifact.format }, 'report downloaded through a signed link');
    const ascii = r.filename.replace(/[^A-Za-z0-9._-]/g, '_');
    return reply
      .header('content-type', r.contentType)
      .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(r.filename)}`)
      .header('cache-control', 'private, no-store')
      .header('content-security-policy', REPORT_CSP)
      .send(r.content);
  });
}
