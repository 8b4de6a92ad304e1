/**
 * What `GET /d/:token` serves: the archived artifact a signed link names, read whole and checked against the
 * SHA-256 the ledger recorded when it was archived, so that a link only ever delivers the report that was sent
 * (never one replaced or damaged on disk since). The bytes returned are the bytes checked.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Artifact, RunLedger, RunRecord } from '../scheduler/ledger-types.js';
import { isRefusal, verifyDownload } from './links.js';

export type DownloadResult =
  | { ok: true; run: RunRecord; artifact: Artifact; filename: string; contentType: string; content: Buffer }
  | { ok: false; status: 403 | 404 | 410; error: string };

const CONTENT_TYPES: Record<string, string> = { pdf: 'application/pdf', html: 'text/html; charset=utf-8', json: 'application/json' };

/**
 * Resolves a download token. 403: forged, truncated or malformed; 410: expired, or the archived file is gone or
 * changed; 404: the run (pruned) or its format is not in the ledger. Serve the content as an attachment
 * (Content-Disposition), since an archived HTML report must not run as a page of the app's origin.
 */
export async function openDownload(ledger: RunLedger, secret: Buffer, token: string, nowMs = Date.now()): Promise<DownloadResult> {
  const claim = verifyDownload(secret, token, nowMs);
  if (isRefusal(claim)) return { ok: false, status: claim.reason === 'expired' ? 410 : 403, error: claim.error };
  const run = await ledger.get(claim.runId);
  if (!run) return { ok: false, status: 404, error: `run ${claim.runId} is no longer in the ledger (its records were pruned)` };
  const artifact = run.artifacts?.find((a) => a.format === claim.format);
  if (!artifact) return { ok: false, status: 404, error: `run ${claim.runId} has no archived ${claim.format} report` };
  let content: Buffer;
  try {
    content = fs.readFileSync(artifact.path);
  } catch {
    return { ok: false, status: 410, error: `the archived ${claim.format} report of run ${claim.runId} is no longer in the archive` };
  }
  if (crypto.createHash('sha256').update(content).digest('hex') !== artifact.sha256) {
    return { ok: false, status: 410, error: `the archived ${claim.format} report of run ${claim.runId} has changed since it was sent; it is not served` };
  }
  return { ok: true, run, artifact, filename: path.basename(artifact.path), contentType: CONTENT_TYPES[artifact.format] ?? 'application/octet-stream', content };
}
