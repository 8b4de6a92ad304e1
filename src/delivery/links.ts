/**
 * Signed download links for archived reports: `${web.publicUrl}/d/${token}`. The token carries the run, the
 * format and the expiry, and an HMAC-SHA-256 of them under a secret only the provider's processes hold, so
 * nothing is stored per link and any process that reads the secret can check one. A token is
 * `<payload>.<mac>`, both base64url: the payload is `runId~format~expiry` (expiry in ms, base 36), the MAC its
 * first 128 bits (ample against forgery, and keeps links short enough for mail clients not to break them).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { mkdirOwnerOnly, PRIVATE_FILE_MODE } from '../util/private-files.js';

export interface DownloadClaim {
  runId: string;
  format: string;
  expiresAtMs: number;
}

/** Why a token was refused, for the caller's status code (expired: 410; the rest: 403 or 404). */
export type DownloadRefusal = { error: string; reason: 'expired' | 'forged' | 'truncated' | 'malformed' };

export const LINK_SECRET_ENV = 'ATTACK_REPORT_LINK_SECRET';
const SECRET_FILE = 'link-secret';
const SECRET_BYTES = 32;
const MIN_ENV_SECRET_CHARS = 32;

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
const FORMAT = /^[a-z]{1,10}$/;
const MAC_BYTES = 16;
const MAC_CHARS = Math.ceil((MAC_BYTES * 4) / 3);
const MAX_TOKEN_CHARS = 512;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// Binds the MAC to this use: the same secret signing anything else can never yield a valid link.
const CONTEXT = 'attack-report download link v1\n';

const mac = (secret: Buffer, payload: string): string =>
  crypto.createHmac('sha256', secret).update(CONTEXT).update(payload).digest().subarray(0, MAC_BYTES).toString('base64url');

export function signDownload(secret: Buffer, p: DownloadClaim): string {
  if (!RUN_ID.test(p.runId)) throw new Error(`cannot sign a link to run ${JSON.stringify(p.runId)}: not a run id`);
  if (!FORMAT.test(p.format)) throw new Error(`cannot sign a link to format ${JSON.stringify(p.format)}`);
  if (!Number.isSafeInteger(p.expiresAtMs) || p.expiresAtMs <= 0) throw new Error(`cannot sign a link expiring at ${p.expiresAtMs}: not a time in ms`);
  const payload = Buffer.from(`${p.runId}~${p.format}~${p.expiresAtMs.toString(36)}`, 'utf8').toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

/** The claim of a token signed with `secret` and not expired at `nowMs`, or why not. Nothing unsigned is read. */
export function verifyDownload(secret: Buffer, token: string, nowMs: number): DownloadClaim | DownloadRefusal {
  const refuse = (reason: DownloadRefusal['reason'], why: string): DownloadRefusal => ({ reason, error: `${reason}: ${why}` });
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_CHARS) return refuse('malformed', `a link token is 1 to ${MAX_TOKEN_CHARS} characters`);
  const parts = token.split('.');
  if (parts.length > 2 || !parts.every((p) => p === '' || BASE64URL.test(p)) || parts[0] === '') return refuse('malformed', 'not a download link token');
  const [payload, sig] = parts as [string, string | undefined];
  if (sig === undefined || sig.length < MAC_CHARS) return refuse('truncated', 'the token ends before its signature does (was the link cut when copied?)');
  if (sig.length > MAC_CHARS) return refuse('malformed', 'the signature is longer than a link signature');
  // Compared as text, in constant time: the canonical encoding only, so no second spelling of a MAC passes.
  if (!crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(mac(secret, payload)))) {
    return refuse('forged', 'the signature does not match (the link was altered or cut short, or signed with another secret)');
  }
  const fields = Buffer.from(payload, 'base64url').toString('utf8').split('~');
  const [runId, format, expiry] = fields;
  const expiresAtMs = expiry !== undefined && /^[0-9a-z]{1,11}$/.test(expiry) ? parseInt(expiry, 36) : NaN;
  if (fields.length !== 3 || !RUN_ID.test(runId!) || !FORMAT.test(format!) || !Number.isSafeInteger(expiresAtMs)) return refuse('malformed', 'the signed content is not a download claim');
  if (nowMs >= expiresAtMs) return refuse('expired', `the link expired at ${new Date(expiresAtMs).toISOString()}; ask for a new one`);
  return { runId: runId!, format: format!, expiresAtMs };
}

export const isRefusal = (v: DownloadClaim | DownloadRefusal): v is DownloadRefusal => 'error' in v;

/** `${publicUrl}/d/${token}`, with or without a trailing slash (or a path prefix) in publicUrl. */
export function downloadUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/d/${token}`;
}

/**
 * The link secret: ATTACK_REPORT_LINK_SECRET when set (at least 32 characters; the same on every host serving
 * links), else a 32-byte random file `link-secret` (0600) in the state directory, made on first use. The file
 * is written whole under a temporary name and then hard-linked into place, which fails if it exists: processes
 * racing to make it all end up reading the one that won, never a half-written one.
 */
export function loadLinkSecret(stateDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[LINK_SECRET_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_ENV_SECRET_CHARS) throw new UsageError(`${LINK_SECRET_ENV} must be at least ${MIN_ENV_SECRET_CHARS} characters (e.g. the output of \`openssl rand -base64 32\`); it has ${fromEnv.length}`);
    return Buffer.from(fromEnv, 'utf8');
  }
  mkdirOwnerOnly(stateDir);
  const file = path.join(stateDir, SECRET_FILE);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    const fd = fs.openSync(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      fs.writeSync(fd, crypto.randomBytes(SECRET_BYTES));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  const secret = fs.readFileSync(file);
  if (secret.length !== SECRET_BYTES) {
    throw new Error(`${file} holds ${secret.length} bytes, not ${SECRET_BYTES}: remove it to have a new secret made (links signed with the old one then stop working), or set ${LINK_SECRET_ENV}`);
  }
  return secret;
}
