/**
 * Signed download links (src/delivery/links.ts): what verifies and what is refused (expired, forged, truncated,
 * malformed, each with its reason), the link secret shared by processes racing to create it, and re-send ids
 * allocated once across processes.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadUrl, loadLinkSecret, signDownload, verifyDownload, type DownloadRefusal } from '../../src/delivery/links.js';
import { FileLedger } from '../../src/scheduler/ledger.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-links-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const secret = crypto.randomBytes(32);
const NOW = Date.parse('2026-12-01T10:00:00Z');
const claim = { runId: 'acme.weekly.20261123T000000Z', format: 'pdf', expiresAtMs: NOW + 7 * 86_400_000 };
const reason = (r: unknown) => (r as DownloadRefusal).reason;

/** Runs `script` (an ES module body with `dist` bound to the compiled src/) in `n` processes at once; their stdouts. */
function race(n: number, script: string): Promise<string[]> {
  const body = `const dist = ${JSON.stringify(path.join(PACKAGE_ROOT, 'dist', 'src'))}; ${script}`;
  return Promise.all(Array.from({ length: n }, () => new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', body], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ATTACK_REPORT_LINK_SECRET: '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
  })));
}

describe('signed download links', () => {
  it('a token is compact and URL-safe, and verifies to its claim until it expires', () => {
    const token = signDownload(secret, claim);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(token.length).toBeLessThan(90);
    expect(encodeURIComponent(token)).toBe(token);
    expect(verifyDownload(secret, token, NOW)).toEqual(claim);
    expect(verifyDownload(secret, token, claim.expiresAtMs - 1)).toEqual(claim);
    const expired = verifyDownload(secret, token, claim.expiresAtMs);
    expect(expired).toEqual({ reason: 'expired', error: 'expired: the link expired at 2026-12-08T10:00:00.000Z; ask for a new one' });
    expect(downloadUrl('https://r.example/app/', token)).toBe(`https://r.example/app/d/${token}`);
    expect(downloadUrl('https://r.example', token)).toBe(`https://r.example/d/${token}`);
  });

  it('refuses a token altered anywhere, one signed with another secret, and one claiming another run with a valid signature of its own', () => {
    const token = signDownload(secret, claim);
    const [payload, mac] = token.split('.') as [string, string];
    // Every single-character change of the signature, to every other base64url character at that place.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < mac.length; i++) {
      for (const c of alphabet) {
        if (c === mac[i]) continue;
        const forged = `${payload}.${mac.slice(0, i)}${c}${mac.slice(i + 1)}`;
        expect([forged, reason(verifyDownload(secret, forged, NOW))]).toEqual([forged, 'forged']);
      }
    }
    const otherRun = signDownload(secret, { ...claim, runId: 'globex.weekly.20261123T000000Z' }).split('.')[0]!;
    expect(verifyDownload(secret, `${otherRun}.${mac}`, NOW)).toMatchObject({ reason: 'forged', error: expect.stringContaining('the signature does not match') });
    const later = signDownload(secret, { ...claim, expiresAtMs: claim.expiresAtMs + 86_400_000 }).split('.')[0]!;
    expect(reason(verifyDownload(secret, `${later}.${mac}`, NOW))).toBe('forged');
    expect(reason(verifyDownload(crypto.randomBytes(32), token, NOW))).toBe('forged');
  });

  it('refuses every truncation of a token, and malformed ones, each with its reason', () => {
    const token = signDownload(secret, claim);
    for (let n = 1; n < token.length; n++) {
      const r = verifyDownload(secret, token.slice(0, n), NOW);
      expect([n, reason(r)]).toEqual([n, 'truncated']);
    }
    expect((verifyDownload(secret, token.slice(0, -3), NOW) as DownloadRefusal).error).toContain('was the link cut when copied?');
    for (const bad of ['', 'a.b.c', `${token}.x`, `${token}x`, '.abc', 'ab$c.defghijklmnopqrstuvwxyz', `${token.replace('.', '%2E')}`, 'x'.repeat(600), `../${token}`]) {
      const r = verifyDownload(secret, bad, NOW);
      expect([bad.slice(0, 40), reason(r)]).toEqual([bad.slice(0, 40), 'malformed']);
    }
    expect(() => signDownload(secret, { ...claim, runId: '../etc' })).toThrow('not a run id');
    expect(() => signDownload(secret, { ...claim, format: 'PDF!' })).toThrow('cannot sign a link to format');
  });
});

describe('the link secret', () => {
  it('is made once, 32 random bytes owner-only, and every process racing to make it reads the same', async () => {
    const stateDir = path.join(root, 'race');
    const results = await race(8, `const { loadLinkSecret } = await import(dist + '/delivery/links.js'); process.stdout.write(loadLinkSecret(${JSON.stringify(stateDir)}).toString('hex'));`);
    const file = path.join(stateDir, 'link-secret');
    const onDisk = fs.readFileSync(file);
    expect(onDisk).toHaveLength(32);
    expect(new Set(results)).toEqual(new Set([onDisk.toString('hex')]));
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(fs.readdirSync(stateDir)).toEqual(['link-secret']);
    expect(loadLinkSecret(stateDir, {}).equals(onDisk)).toBe(true);
  });

  it('comes from ATTACK_REPORT_LINK_SECRET when set (at least 32 characters), and a damaged file is refused naming it', () => {
    const stateDir = path.join(root, 'env');
    const value = 'k'.repeat(40);
    const fromEnv = loadLinkSecret(stateDir, { ATTACK_REPORT_LINK_SECRET: value });
    expect(fromEnv.toString()).toBe(value);
    expect(fs.existsSync(path.join(stateDir, 'link-secret'))).toBe(false);
    // A link signed on one host verifies on another with the same secret.
    expect(verifyDownload(loadLinkSecret(path.join(root, 'other'), { ATTACK_REPORT_LINK_SECRET: value }), signDownload(fromEnv, claim), NOW)).toEqual(claim);
    expect(() => loadLinkSecret(stateDir, { ATTACK_REPORT_LINK_SECRET: 'short' })).toThrow('ATTACK_REPORT_LINK_SECRET must be at least 32 characters');
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(path.join(stateDir, 'link-secret'), 'abc');
    expect(() => loadLinkSecret(stateDir, {})).toThrow(`${path.join(stateDir, 'link-secret')} holds 3 bytes, not 32`);
  });
});

describe('re-send ids', () => {
  it('processes starting re-sends of one run at once each get their own id', async () => {
    const dir = path.join(root, 'ledger');
    new FileLedger(dir);
    const results = await race(6, `const { FileLedger } = await import(dist + '/scheduler/ledger.js'); process.stdout.write((await new FileLedger(${JSON.stringify(dir)}).startResend('acme.daily.x', { by: 'p' + process.pid, recipients: ['a@acme.example'] })).id);`);
    expect(results.sort()).toEqual(['resend-1', 'resend-2', 'resend-3', 'resend-4', 'resend-5', 'resend-6']);
    const ledger = new FileLedger(dir);
    expect((await ledger.resends('acme.daily.x')).map((r) => r.id)).toEqual(['resend-1', 'resend-2', 'resend-3', 'resend-4', 'resend-5', 'resend-6']);
    expect(await ledger.resend('acme.daily.x', 'resend-4')).toMatchObject({ id: 'resend-4', recipients: ['a@acme.example'] });
    expect(await ledger.resend('acme.daily.x', '../../runs/x')).toBeUndefined();
    // A re-send's outbox records are its own: the run's delivery and another re-send do not see them.
    await ledger.saveOutbox({ ...await ledger.outbox('acme.daily.x', 'a@acme.example', 'resend-2'), status: 'sent', attempts: 1 });
    expect((await ledger.outbox('acme.daily.x', 'a@acme.example')).status).toBe('pending');
    expect((await ledger.outbox('acme.daily.x', 'a@acme.example', 'resend-1')).status).toBe('pending');
    expect(await ledger.outboxOf('acme.daily.x')).toEqual([]);
    expect(await ledger.outboxOf('acme.daily.x', 'resend-2')).toMatchObject([{ recipient: 'a@acme.example', status: 'sent', delivery: 'resend-2' }]);
    expect((await ledger.outbox('acme.daily.x', 'a@acme.example', 'resend-2')).messageId).not.toBe((await ledger.outbox('acme.daily.x', 'a@acme.example', 'resend-1')).messageId);
  });
});
