/**
 * Retry and re-send of a run, signed download links in emails, and pruning old run records: through the CLI
 * (separate processes) against the embedded engine with demo data, real Chromium and a real SMTP server in this
 * process, whose messages are parsed and checked (the re-sent PDF is byte for byte the archived one; the link
 * in an email verifies and downloads that same report).
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { FileLedger, type RunRecord } from '../../src/scheduler/ledger.js';
import { runDetails, type RunDetails } from '../../src/scheduler/run-details.js';
import { checkRecipients, checkResend, checkRetry, resendRun, RunActionRefused } from '../../src/scheduler/run-actions.js';
import { loadConfig } from '../../src/config/file.js';
import pino from 'pino';
import { loadLinkSecret, verifyDownload, type DownloadClaim } from '../../src/delivery/links.js';
import { openDownload } from '../../src/delivery/download.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-run-actions-'));
const dataDir = path.join(root, 'clickhouse');
const DAY = 86_400_000;
const today6 = (() => {
  const d = new Date(Date.now() - 3_600_000);
  d.setUTCHours(6, 0, 0, 0);
  return d.getTime() > Date.now() - 3_600_000 ? d.getTime() - DAY : d.getTime();
})();
const iso = (t: number) => new Date(t).toISOString();
const ACTOR = `cli:${os.userInfo().username}`;
const SOC = 'soc@acme.example';
const CISO = 'ciso@acme.example';
const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

let smtp: TestSmtp;
const dir = path.join(root, 'case');
const stateDir = path.join(dir, 'state');
const ledger = () => new FileLedger(stateDir);

/** A configuration file in `dir` (all share its state and archive), with SMTP at the test server. */
function configFile(name: string, extra: { smtp?: object; web?: object } = {}): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, stringify({
    clickhouse: { dataDir },
    smtp: { host: '127.0.0.1', port: smtp.port, from: 'Reports <reports@provider.example>', retries: { attempts: 2, minDelayMs: 20, maxDelayMs: 50 }, ...extra.smtp },
    output: { dir: 'archive' },
    // A short lease: a re-send killed below is taken up again once it has expired.
    worker: { stateDir: 'state', retryAfterMinutes: 0, leaseSeconds: 5 },
    ...(extra.web ? { web: extra.web } : {}),
    customers: [{
      id: 'acme', name: 'Acme Retail', accountId: 'acme', timezone: 'UTC', allowedDomains: ['acme.example'], recipients: [SOC, CISO],
      schedules: [{ name: 'daily', cron: '0 6 * * *', window: 'previous-day' }, { name: 'second', cron: '0 6 * * *', window: 'previous-day' }],
    }],
  }));
  return file;
}

/** The CLI in a child process; asynchronous, since the SMTP server answers from this process's event loop. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

const to = (address: string) => smtp.received.filter((m) => m.to.includes(address));
const details = async (id: string): Promise<RunDetails> => (await runDetails(ledger(), id))!;
/** What the operation refuses, in this process: its kind and message. */
async function refusal(fn: () => unknown): Promise<{ kind: string; message: string }> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof RunActionRefused) return { kind: err.kind, message: err.message };
    throw err;
  }
  throw new Error('not refused');
}

let plain: string;
let dailyId: string;
let secondId: string;

beforeAll(async () => {
  smtp = await startSmtp();
  fs.mkdirSync(dir, { recursive: true });
  plain = configFile('plain');
  const seed = spawnSync(process.execPath, [BIN, '--data-dir', dataDir, 'seed', '--seed', '3', '--scale', '0.005', '--days', '3', '--history-days', '0'], { encoding: 'utf8', timeout: 120_000 });
  if (seed.status !== 0) throw new Error(`seed failed: ${seed.stderr}`);
  // The schedule "second" is paused: its firing is recorded skipped. "daily" reaches soc but not ciso (refused).
  await ledger().pause({ customer: 'acme', schedule: 'second', by: 'alice', reason: 'maintenance' });
  smtp.refuseRecipient(CISO);
  const tick = await cli(['worker', '--config', plain, '--once', '--now', iso(today6 + 60_000)]);
  if (tick.code !== 1) throw new Error(`expected the tick to fail on ciso: ${tick.code} ${tick.stderr} ${tick.stdout}`);
  const runs = await ledger().list();
  dailyId = runs.find((r) => r.schedule === 'daily')!.id;
  secondId = runs.find((r) => r.schedule === 'second')!.id;
}, 180_000);

afterAll(async () => {
  await smtp?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('runs retry', () => {
  it('runs a failed run again: archived report reused, only the recipient not yet reached is sent to; refusals exit 2; audited', async () => {
    const before = (await ledger().get(dailyId))!;
    expect(before).toMatchObject({ status: 'failed', attempts: 1 });
    expect(before.reason).toContain(`email to ${CISO} failed`);
    expect(to(SOC)).toHaveLength(1);
    const pdf = before.artifacts!.find((a) => a.format === 'pdf')!;

    // Another process holds the schedule's lease (unexpired): refused, nothing executed.
    const lockFile = path.join(stateDir, 'locks', 'acme.daily.lock');
    fs.writeFileSync(lockFile, JSON.stringify({ owner: 'elsewhere:4242:abcdef', expiresAt: new Date(Date.now() + 600_000).toISOString() }));
    const locked = await cli(['runs', 'retry', dailyId, '--config', plain]);
    fs.rmSync(lockFile);
    expect(locked.code, locked.stderr).toBe(2);
    expect(locked.stderr).toContain('another run of acme/daily is executing now');
    expect(await ledger().get(dailyId)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await ledger().auditTrail({ runId: dailyId })).toEqual([]);

    // ciso still refused: the run fails again (exit 1, reason kept), soc is not sent to again.
    const again = await cli(['--data-dir', dataDir, 'runs', 'retry', dailyId, '--config', plain]);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`run ${dailyId} failed again \\(attempt 2\\): email to ${CISO} failed: .*550`));
    expect(await ledger().get(dailyId)).toMatchObject({ status: 'failed', attempts: 2 });
    expect(to(SOC)).toHaveLength(1);

    smtp.refuseRecipient(null);
    const ok = await cli(['runs', '--config', plain, 'retry', dailyId]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim().split('\n')).toContain(pdf.path);
    // Not built again: the archived artifact was reused, unchanged.
    expect(ok.stderr).toContain('artifacts already archived and intact; reusing them');
    expect(sha256(fs.readFileSync(pdf.path))).toBe(pdf.sha256);
    expect(to(SOC)).toHaveLength(1);
    expect(to(CISO)).toHaveLength(1);
    expect(to(CISO)[0]!.email.attachments.some((a) => a.mimeType === 'application/pdf')).toBe(true);
    expect(await ledger().get(dailyId)).toMatchObject({ status: 'succeeded', attempts: 3 });

    // A succeeded run is refused with the pointer to resend; unknown and malformed ids too. All exit 2.
    const done = await cli(['runs', 'retry', dailyId, '--config', plain]);
    expect(done.code).toBe(2);
    expect(done.stderr).toContain(`run ${dailyId} succeeded`);
    expect(done.stderr).toContain(`attack-report runs resend ${dailyId}`);
    const unknown = await cli(['runs', 'retry', 'acme.daily.20990101T000000Z', '--config', plain]);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('no run acme.daily.20990101T000000Z in the ledger')]);
    expect(await refusal(() => checkRetry({ ledger: ledger(), config: loadConfig(plain).config }, '../x'))).toEqual({ kind: 'not-found', message: expect.stringContaining('is not a run id') });
    const filtered = await cli(['runs', 'retry', dailyId, '--config', plain, '--customer', 'acme']);
    expect([filtered.code, filtered.stderr]).toEqual([2, expect.stringContaining('--customer filters the listing of `runs`')]);

    expect((await details(dailyId)).audit.map((e) => [e.by, e.action, e.customer, e.detail!.slice(0, 29)])).toEqual([
      [ACTOR, 'retry', 'acme', 'was failed after 1 attempt(s)'], [ACTOR, 'retry', 'acme', 'was failed after 2 attempt(s)'],
    ]);
  }, 180_000);

  it('a run skipped because its schedule was paused is produced when retried, the pause still on (noted); queued and running runs are refused', async () => {
    expect(await ledger().get(secondId)).toMatchObject({ status: 'skipped', reason: expect.stringContaining('maintenance') });
    const sent = { soc: to(SOC).length, ciso: to(CISO).length };
    const r = await cli(['runs', 'retry', secondId, '--config', plain]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('acme/second is paused');
    expect(await ledger().get(secondId)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect([to(SOC).length, to(CISO).length]).toEqual([sent.soc + 1, sent.ciso + 1]);
    expect((await details(secondId)).audit[0]!.detail).toMatch(/^was skipped after 0 attempt\(s\): paused by alice at \S+ \(maintenance\)$/);

    const l = ledger();
    const base = (await l.get(secondId))!;
    const { config } = loadConfig(plain);
    for (const status of ['queued', 'running'] as const) {
      const id = `acme.second.2020010${status === 'queued' ? 1 : 2}T000000Z`;
      await l.claim({ ...base, id, status, attempts: status === 'running' ? 1 : 0, startedAt: '2020-01-02T06:00:00.000Z', owner: 'elsewhere:4242:abcdef', artifacts: undefined });
      expect(await refusal(() => checkRetry({ ledger: l, config }, id))).toEqual({
        kind: 'state', message: expect.stringContaining(status === 'queued' ? `run ${id} is queued` : `run ${id} is running (attempt 1, since 2020-01-02T06:00:00.000Z, by elsewhere:4242:abcdef)`),
      });
      fs.rmSync(path.join(stateDir, 'runs', `${id}.json`));
    }
  }, 180_000);
});

describe('runs resend', () => {
  it('sends the archived PDF (byte for byte) to an allow-listed address once, recorded as its own delivery and audited', async () => {
    const run = (await ledger().get(dailyId))!;
    const pdf = run.artifacts!.find((a) => a.format === 'pdf')!;
    const boss = 'Boss@acme.example';
    const r = await cli(['runs', 'resend', dailyId, '--config', plain, '--to', boss, 'boss@ACME.example']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Boss@acme\.example\s+sent\s+attachment$/m);
    const got = to(boss);
    expect(got).toHaveLength(1);
    const attached = got[0]!.email.attachments.find((a) => a.mimeType === 'application/pdf')!;
    expect(sha256(new Uint8Array(attached.content as ArrayBuffer))).toBe(pdf.sha256);
    // Its own Message-ID: meant to arrive again, not to be taken for a copy of the run's first email.
    expect(got[0]!.email.messageId).toMatch(new RegExp(`^<${dailyId.replace(/\./g, '\\.')}\\.resend-1\\.[0-9a-f]{16}@attack-report>$`));
    expect(got[0]!.email.text).not.toContain('/d/');

    const shown = await details(dailyId);
    expect(shown.resends).toMatchObject([{ id: 'resend-1', by: ACTOR, recipients: [boss], deliveries: [{ recipient: boss, status: 'sent', delivery: 'resend-1', mode: 'attachment' }] }]);
    // The run's own deliveries are unchanged by it.
    expect(shown.deliveries.map((d) => [d.recipient, d.status])).toEqual([[SOC, 'sent'], [CISO, 'sent']]);
    expect(shown.audit.at(-1)).toMatchObject({ by: ACTOR, action: 'resend', customer: 'acme', runId: dailyId, detail: `resend-1 to ${boss}` });
    // `run ID` shows the re-send and the audit trail.
    const text = await cli(['run', dailyId, '--config', plain]);
    expect(text.stdout).toMatch(/^resend-1\s+cli:\S+ \S+Z\s+Boss@acme\.example\s+sent\s+1\s+\S+Z\s+attachment$/m);
    expect(text.stdout).toMatch(new RegExp(`^\\S+Z\\s+${ACTOR}\\s+retry\\s+was failed after 2 attempt\\(s\\)`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^\\S+Z\\s+${ACTOR}\\s+resend\\s+resend-1 to Boss@acme\\.example$`, 'm'));

    // Without --to: the run's own recipients, each once more.
    const before = [to(SOC).length, to(CISO).length];
    const all = await cli(['runs', 'resend', dailyId, '--config', plain]);
    expect(all.code, all.stderr).toBe(0);
    expect([to(SOC).length, to(CISO).length]).toEqual([before[0]! + 1, before[1]! + 1]);
    expect((await ledger().resends(dailyId)).map((x) => x.id)).toEqual(['resend-1', 'resend-2']);
  }, 120_000);

  it('an address outside the allow-list, or not one plain address, is refused (exit 2) naming it; nothing sent or recorded', async () => {
    const arrivals = smtp.arrivals;
    const resends = (await ledger().resends(dailyId)).length;
    const r = await cli(['runs', 'resend', dailyId, '--config', plain, '--to', SOC, 'someone@gmail.com']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("recipient someone@gmail.com is outside acme's allowed domains (acme.example)");
    for (const [address, message] of [
      ['root<x>@acme.example', 'recipient "root<x>@acme.example" must be a plain address such as soc@example.com (read as "x" named "root@acme.example")'],
      ['soc@acme.example, spy@gmail.com', 'must be exactly one email address'],
      ['soc@acme.example\r\nBcc: spy@gmail.com', 'contains a line break'],
    ]) {
      expect(await refusal(() => checkRecipients(['acme.example'], 'acme', [SOC, address!]))).toEqual({ kind: 'address', message: expect.stringContaining(message!) });
    }
    expect(await refusal(() => checkRecipients(['acme.example'], 'acme', []))).toMatchObject({ kind: 'address' });
    expect(smtp.arrivals).toBe(arrivals);
    expect(await ledger().resends(dailyId)).toHaveLength(resends);
  });

  it('refuses when the archived report is gone or changed, saying so, and for a run with nothing archived', async () => {
    const pdf = (await ledger().get(dailyId))!.artifacts!.find((a) => a.format === 'pdf')!;
    const original = fs.readFileSync(pdf.path);
    const arrivals = smtp.arrivals;
    try {
      fs.appendFileSync(pdf.path, 'x');
      const changed = await cli(['runs', 'resend', dailyId, '--config', plain]);
      expect(changed.code).toBe(2);
      expect(changed.stderr).toContain(`the archived pdf report of run ${dailyId} (${pdf.path}) has changed since it was archived (SHA-256 ${sha256(fs.readFileSync(pdf.path)).slice(0, 16)}`);
      expect(changed.stderr).toContain('never a rebuilt one');
      fs.rmSync(pdf.path);
      expect(await refusal(() => checkResend({ ledger: ledger(), config: loadConfig(plain).config }, dailyId))).toEqual({
        kind: 'archive', message: expect.stringContaining(`(${pdf.path}) is no longer in the archive`),
      });
    } finally {
      fs.writeFileSync(pdf.path, original, { mode: 0o600 });
    }
    const l = ledger();
    const skipped = { ...(await l.get(dailyId))!, id: 'acme.daily.20200101T000000Z', status: 'skipped' as const, artifacts: undefined, reason: 'misfire policy skip' };
    await l.claim(skipped);
    expect(await refusal(() => checkResend({ ledger: l, config: loadConfig(plain).config }, skipped.id))).toEqual({
      kind: 'state', message: expect.stringContaining(`has no archived report to re-send; retry it instead: \`attack-report runs retry ${skipped.id}\``),
    });
    fs.rmSync(path.join(stateDir, 'runs', `${skipped.id}.json`));
    expect(smtp.arrivals).toBe(arrivals);
  });

  it('killed in the middle of a re-send, then resumed: every recipient of that re-send has it exactly once', async () => {
    const base = smtp.arrivals;
    const before = [to(SOC).length, to(CISO).length];
    smtp.holdArrival(base + 2);
    const child = spawn(process.execPath, [BIN, 'runs', 'resend', dailyId, '--config', plain], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (smtp.arrivals < base + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(smtp.arrivals).toBe(base + 2);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    smtp.holdArrival(0);
    const cut = (await ledger().resends(dailyId)).at(-1)!;
    expect(cut.id).toBe('resend-3');
    expect((await ledger().outboxOf(dailyId, cut.id)).map((o) => [o.recipient, o.status]).sort()).toEqual([[CISO, 'sending'], [SOC, 'sent']]);
    // The killed process still holds the re-send's lease (a process id proves nothing): resumed once it expires.
    const leaseFile = path.join(stateDir, 'locks', `acme.${dailyId}.resend-3.lock`);
    const { expiresAt } = JSON.parse(fs.readFileSync(leaseFile, 'utf8')) as { expiresAt: string };
    while (Date.now() <= Date.parse(expiresAt)) await new Promise((r) => setTimeout(r, 100));

    const resumed = await cli(['runs', 'resend', dailyId, '--config', plain, '--resume', 'resend-3']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect([to(SOC).length, to(CISO).length]).toEqual([before[0]! + 1, before[1]! + 1]);
    expect((await ledger().outboxOf(dailyId, 'resend-3')).map((o) => o.status)).toEqual(['sent', 'sent']);
    expect(await ledger().resends(dailyId)).toHaveLength(3);
    expect((await ledger().auditTrail({ runId: dailyId })).at(-1)!.detail).toBe(`resend-3 (resumed) to ${SOC}, ${CISO}`);
    const loaded = loadConfig(plain);
    await expect(resendRun({ ledger: ledger(), config: loaded.config, branding: loaded.branding, transport: null, log: pino({ enabled: false }) }, dailyId, { actor: 'test', resume: 'resend-9' }))
      .rejects.toMatchObject({ kind: 'not-found', message: expect.stringContaining('has no re-send "resend-9" (its re-sends: resend-1, resend-2, resend-3)') });
  }, 120_000);
});

describe('download links in emails', () => {
  const linkIn = (text: string) => /https:\/\/reports\.provider\.example\/app\/d\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(text);

  it('with web.publicUrl, the over-size note carries a signed link (not the "ask for a copy"), which verifies and downloads the archived report', async () => {
    const config = configFile('links', { smtp: { maxMessageBytes: '70KB' }, web: { publicUrl: 'https://reports.provider.example/app/', linkTtl: '2d' } });
    const address = 'links@acme.example';
    const sentAt = Date.now();
    const r = await cli(['runs', 'resend', dailyId, '--config', config, '--to', address]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/links@acme\.example\s+sent\s+note/);
    const mail = to(address)[0]!.email;
    expect(mail.attachments.some((a) => a.mimeType === 'application/pdf')).toBe(false);
    expect(mail.text).toMatch(/is larger than this mail system accepts, so it is not attached; download it here \(the link works until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\):\n/);
    expect(mail.text).not.toContain('ask your DDoS protection provider');
    expect(mail.text).not.toContain(root);
    const token = linkIn(mail.text!)![1]!;
    expect(mail.html).toContain(`<a href="https://reports.provider.example/app/d/${token}">`);

    // Verified with the secret the sending process made in the state directory (0600): this process agrees.
    const secret = loadLinkSecret(stateDir, {});
    expect((fs.statSync(path.join(stateDir, 'link-secret')).mode & 0o777).toString(8)).toBe('600');
    const claim = verifyDownload(secret, token, Date.now()) as DownloadClaim;
    expect(claim).toMatchObject({ runId: dailyId, format: 'pdf' });
    expect(claim.expiresAtMs).toBeGreaterThanOrEqual(sentAt + 2 * DAY);
    expect(claim.expiresAtMs).toBeLessThanOrEqual(Date.now() + 2 * DAY);
    const pdf = (await ledger().get(dailyId))!.artifacts!.find((a) => a.format === 'pdf')!;
    const download = await openDownload(ledger(), secret, token);
    expect(download.ok && [download.contentType, sha256(download.content)]).toEqual(['application/pdf', pdf.sha256]);
    expect(await openDownload(ledger(), secret, token, claim.expiresAtMs)).toMatchObject({ ok: false, status: 410, error: expect.stringMatching(/^expired/) });
    expect(await openDownload(ledger(), crypto.randomBytes(32), token)).toMatchObject({ ok: false, status: 403, error: expect.stringMatching(/^forged/) });
    const original = fs.readFileSync(pdf.path);
    try {
      fs.writeFileSync(pdf.path, Buffer.concat([original, Buffer.from('x')]));
      expect(await openDownload(ledger(), secret, token)).toMatchObject({ ok: false, status: 410, error: expect.stringContaining('has changed since it was sent') });
    } finally {
      fs.writeFileSync(pdf.path, original);
    }
  }, 120_000);

  it('with web.linksInEmails, an email with the PDF attached carries the link too', async () => {
    const config = configFile('always', { web: { publicUrl: 'https://reports.provider.example/app', linksInEmails: true } });
    const address = 'always@acme.example';
    const r = await cli(['runs', 'resend', dailyId, '--config', config, '--to', address]);
    expect(r.code, r.stderr).toBe(0);
    const mail = to(address)[0]!.email;
    expect(mail.attachments.some((a) => a.mimeType === 'application/pdf')).toBe(true);
    expect(mail.text).toContain('The full report is attached as a PDF. It can also be downloaded here (the link works until');
    const claim = verifyDownload(loadLinkSecret(stateDir, {}), linkIn(mail.text!)![1]!, Date.now()) as DownloadClaim;
    // The default linkTtl: 7 days.
    expect(claim).toMatchObject({ runId: dailyId, format: 'pdf' });
    expect(Math.abs(claim.expiresAtMs - (Date.now() + 7 * DAY))).toBeLessThan(120_000);
  }, 120_000);
});

describe('runs prune and the runs command', () => {
  it('removes the records of runs finished before the cut-off (never queued or running ones, never archived files), says what, and is audited', async () => {
    const pruneDir = path.join(root, 'prune');
    fs.mkdirSync(pruneDir);
    const file = path.join(pruneDir, 'config.yaml');
    fs.writeFileSync(file, stringify({
      output: { dir: 'archive' }, worker: { stateDir: 'state' },
      customers: [{ id: 'acme', name: 'Acme', accountId: 'acme', timezone: 'UTC', allowedDomains: ['acme.example'], recipients: [SOC] }],
    }));
    const l = new FileLedger(path.join(pruneDir, 'state'));
    const old = iso(Date.now() - 100 * DAY);
    const recent = iso(Date.now() - 10 * DAY);
    const archived = path.join(pruneDir, 'archive', 'acme', 'old.pdf');
    fs.mkdirSync(path.dirname(archived), { recursive: true });
    fs.writeFileSync(archived, 'report');
    const rec = (id: string, status: RunRecord['status'], finishedAt: string | undefined): RunRecord => ({
      id, customer: 'acme', schedule: 'daily', dueAt: old, window: { from: old, to: old, timezone: 'UTC' }, status, attempts: 1, createdAt: old,
      recipients: [SOC], ...(finishedAt ? { finishedAt } : {}), artifacts: [{ format: 'pdf', path: archived, sha256: 'ab'.repeat(32), bytes: 6 }],
    });
    const runs = [rec('acme.daily.a', 'succeeded', old), rec('acme.daily.b', 'failed', old), rec('acme.daily.c', 'skipped', old), rec('acme.daily.d', 'queued', undefined),
      rec('acme.daily.e', 'running', undefined), rec('acme.daily.f', 'succeeded', recent)];
    for (const r of runs) await l.claim(r);
    await l.saveOutbox({ ...await l.outbox('acme.daily.a', SOC), status: 'sent', attempts: 1 });
    await l.saveModel('acme.daily.a', { reportId: 'AR-x' });
    const resend = await l.startResend('acme.daily.a', { by: 'test', recipients: [SOC] });
    await l.saveOutbox({ ...await l.outbox('acme.daily.a', SOC, resend.id), status: 'sent', attempts: 1 });
    await l.saveOutbox({ ...await l.outbox('acme.daily.f', SOC), status: 'sent', attempts: 1 });

    const dry = await cli(['runs', 'prune', '--older-than', '90d', '--dry-run', '--config', file]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trim().split('\n')).toEqual(['acme.daily.a', 'acme.daily.b', 'acme.daily.c']);
    expect(dry.stderr).toContain('dry run: would remove 3 run(s) finished before');
    expect(await l.list()).toHaveLength(6);
    expect(await l.auditTrail()).toEqual([]);

    const real = await cli(['runs', 'prune', '--older-than', '90d', '--config', file]);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stderr).toMatch(/removed 3 run\(s\) finished before \S+, with 2 outbox record\(s\), 1 re-send\(s\) and 1 stored report model\(s\); archived reports under \S+archive are kept/);
    expect((await l.list()).map((r) => r.id)).toEqual(['acme.daily.d', 'acme.daily.e', 'acme.daily.f']);
    expect(await l.outboxOf('acme.daily.a')).toEqual([]);
    expect(await l.resends('acme.daily.a')).toEqual([]);
    expect(await l.model('acme.daily.a')).toBeUndefined();
    expect(fs.existsSync(path.join(l.dir, 'outbox', 'acme.daily.a'))).toBe(false);
    expect((await l.outboxOf('acme.daily.f')).map((o) => o.status)).toEqual(['sent']);
    expect(fs.readFileSync(archived, 'utf8')).toBe('report');
    expect(await l.auditTrail()).toMatchObject([{ by: ACTOR, action: 'prune', detail: expect.stringMatching(/^removed 3 run\(s\) finished before .*archived reports kept$/) }]);

    const bad = await cli(['runs', 'prune', '--older-than', 'soon', '--config', file]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--older-than "soon" is not a duration')]);
  });

  it('`runs` still lists (with its filters), and its help names the subcommands', async () => {
    const listed = await cli(['runs', '--config', plain, '--customer', 'acme', '--status', 'succeeded', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n').map((l) => (JSON.parse(l) as RunRecord).id)).toEqual([dailyId, secondId]);
    const help = await cli(['runs', '--help']);
    expect(help.code).toBe(0);
    for (const sub of ['retry <id>', 'resend [options] <id>', 'prune [options]']) expect(help.stdout).toContain(sub);
  });
});
