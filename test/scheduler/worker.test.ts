/**
 * The scheduled worker end to end, as separate processes (the CLI), against the embedded engine with demo
 * data, real Chromium, and a real SMTP server in this process: due runs, a worker killed in the middle of
 * sending, downtime across two windows under both misfire policies, and SMTP down or refusing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { pdfText } from '../helpers/pdf.js';
import { freePort, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import type { OutboxRecord, RunRecord } from '../../src/scheduler/ledger.js';
import { sha256File } from '../../src/delivery/archive.js';
import { processTree } from '../../src/render/renderer.js';
import { processAlive as alive } from '../../src/util/process.js';
import { serveForBackend, stopServed } from '../helpers/db.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-worker-'));
const dataDir = path.join(root, 'clickhouse');
const DAY = 86_400_000;
// The latest 06:00 UTC at least an hour ago: the ticks below (up to 30 minutes after it) are all in the past,
// as `--now` must be.
const today6 = (() => {
  const d = new Date(Date.now() - 3_600_000);
  d.setUTCHours(6, 0, 0, 0);
  return d.getTime() > Date.now() - 3_600_000 ? d.getTime() - 86_400_000 : d.getTime();
})();
const iso = (t: number) => new Date(t).toISOString();
const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
const RECIPIENTS = ['soc@acme.example', 'ciso@acme.example'];

beforeAll(async () => {
  // In the server run the data directory is served from here; every worker, send and seed below finds it.
  await serveForBackend(dataDir);
  // Seven days of demo data ending at the current hour: every window below lies inside it.
  const r = spawnSync(process.execPath, [BIN, '--data-dir', dataDir, 'seed', '--seed', '3', '--scale', '0.005', '--days', '7', '--history-days', '0'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`seed failed: ${r.stderr}`);
}, 180_000);

afterAll(async () => {
  await stopServed();
  fs.rmSync(root, { recursive: true, force: true });
});

let n = 0;
/** A fresh state and archive directory with one customer and the given schedules. */
function configFor(smtpPort: number, schedules: object[], extra: { maxMessageBytes?: string } = {}, workerExtra: object = {}): { file: string; stateDir: string; archiveDir: string } {
  const dir = path.join(root, `case-${++n}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, stringify({
    clickhouse: { dataDir },
    smtp: { host: '127.0.0.1', port: smtpPort, from: 'Reports <reports@provider.example>', retries: { attempts: 2, minDelayMs: 20, maxDelayMs: 50 }, ...extra },
    output: { dir: 'archive' },
    worker: { stateDir: 'state', retryAfterMinutes: 0, ...workerExtra },
    customers: [{ id: 'acme', name: 'Acme Retail', accountId: 'acme', timezone: 'UTC', allowedDomains: ['acme.example'], recipients: RECIPIENTS, schedules }],
  }));
  return { file, stateDir: path.join(dir, 'state'), archiveDir: path.join(dir, 'archive') };
}

const daily = (name: string, misfire = 'catch-up') => ({ name, cron: '0 6 * * *', window: 'previous-day', misfire });

/** The CLI in a child process. Asynchronous: the SMTP server lives in this process's event loop. */
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

/** One worker tick at `nowMs`. */
const worker = (config: string, nowMs: number) => cli(['worker', '--config', config, '--once', '--now', iso(nowMs)]);

/** Runs `fn` with a test SMTP server, closed afterwards. */
async function withSmtp(fn: (smtp: TestSmtp) => Promise<void>, port = 0): Promise<void> {
  const smtp = await startSmtp(port);
  try {
    await fn(smtp);
  } finally {
    await smtp.close();
  }
}

function runs(stateDir: string): RunRecord[] {
  const dir = path.join(stateDir, 'runs');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as RunRecord).sort((a, b) => a.id.localeCompare(b.id));
}

function outbox(stateDir: string, runId: string): OutboxRecord[] {
  const dir = path.join(stateDir, 'outbox', runId);
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as OutboxRecord) : [];
}

const perRecipient = (smtp: TestSmtp) => Object.fromEntries(RECIPIENTS.map((r) => [r, smtp.received.filter((m) => m.to.includes(r)).length]));

describe('scheduled worker', () => {
  it('produces a due schedule once: one email per recipient, the PDF attached (named after customer and day) and readable, the run in the ledger, all owner-only', () =>
    withSmtp(async (smtp) => {
    const { file, stateDir, archiveDir } = configFor(smtp.port, [daily('daily')]);
    const first = await worker(file, today6 + 60_000);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(smtp.received).toHaveLength(2);
    expect(perRecipient(smtp)).toEqual({ 'soc@acme.example': 1, 'ciso@acme.example': 1 });
    const mail = smtp.received[0]!.email;
    const day = iso(today6 - DAY).slice(0, 10);
    // A one-day window shows one date; the attachment is named after the customer and the day.
    expect(mail.subject).toMatch(new RegExp(`Acme Retail, \\d{1,2} \\w{3} ${day.slice(0, 4)}$`));
    const pdf = mail.attachments.find((a) => a.mimeType === 'application/pdf')!;
    expect(pdf.filename).toBe(`Acme-Retail-attack-report-${day}.pdf`);
    const { pages } = await pdfText(new Uint8Array(pdf.content as ArrayBuffer));
    expect(pages[0]).toContain('Acme Retail');
    expect(mail.attachments.some((a) => a.mimeType === 'image/png' && a.contentId)).toBe(true);
    expect(mail.html).toContain('cid:timeline@attack-report');
    expect(mail.text).toContain('attacks targeted this account');
    const [run] = runs(stateDir);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 1, window: { from: iso(today6 - 6 * 3_600_000 - DAY), to: iso(today6 - 6 * 3_600_000) } });
    for (const a of run!.artifacts!) expect(sha256File(a.path)).toBe(a.sha256);
    // Run state, stored report models and the archive are the customer's data: owner-only.
    for (const d of [stateDir, path.join(stateDir, 'runs'), path.join(stateDir, 'models'), path.join(stateDir, 'outbox', run!.id), archiveDir]) expect([d, mode(d)]).toEqual([d, '700']);
    for (const f of [path.join(stateDir, 'runs', `${run!.id}.json`), path.join(stateDir, 'models', `${run!.id}.json`), ...run!.artifacts!.map((a) => a.path)]) expect([f, mode(f)]).toEqual([f, '600']);
    for (const f of fs.readdirSync(path.join(stateDir, 'outbox', run!.id))) expect(mode(path.join(stateDir, 'outbox', run!.id, f))).toBe('600');
    // The same tick again (a restart, or a second worker) sends nothing more.
    expect((await worker(file, today6 + 2 * 60_000)).code).toBe(0);
    expect(smtp.received).toHaveLength(2);
    // (synchronous is fine here: nothing in this process has to answer while `runs` reads the ledger)
    const listed = spawnSync(process.execPath, [BIN, 'runs', '--config', file], { encoding: 'utf8' });
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/acme\.daily\.\S+\s+succeeded/);
    }), 180_000);

  it('an account with no telemetry at all: the run is held (failed, with the reason), nothing is built or sent', () =>
    withSmtp(async (smtp) => {
    const { file, stateDir, archiveDir } = configFor(smtp.port, [daily('daily')]);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('accountId: acme', 'accountId: nobody'));
    const r = await worker(file, today6 + 60_000);
    expect(r.code).toBe(1);
    const [run] = runs(stateDir);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run!.reason).toMatch(/^held: account "nobody" has no telemetry at all .*nothing was sent .*attack-report accounts/);
    expect(run!.artifacts).toBeUndefined();
    expect(outbox(stateDir, run!.id)).toEqual([]);
    expect(fs.existsSync(archiveDir)).toBe(false);
    expect(smtp.arrivals).toBe(0);
    }), 180_000);

  it('a window is produced only worker.dataDelayMinutes after its end (late telemetry): queued until then, then sent', () =>
    withSmtp(async (smtp) => {
    // last-24h ends at the firing itself: without the delay it would be built before its last minutes arrived.
    const { file, stateDir } = configFor(smtp.port, [{ name: 'rolling', cron: '0 6 * * *', window: 'last-24h' }], {}, { dataDelayMinutes: 15 });
    const early = await worker(file, today6 + 60_000);
    expect(early.code, early.stderr + early.stdout).toBe(0);
    expect(runs(stateDir)).toMatchObject([{ status: 'queued', dueAt: iso(today6 + 15 * 60_000), window: { to: iso(today6) } }]);
    expect(smtp.arrivals).toBe(0);
    const due = await worker(file, today6 + 16 * 60_000);
    expect(due.code, due.stderr + due.stdout).toBe(0);
    expect(runs(stateDir)).toMatchObject([{ status: 'succeeded', attempts: 1 }]);
    expect(perRecipient(smtp)).toEqual({ 'soc@acme.example': 1, 'ciso@acme.example': 1 });
    }), 180_000);

  it('killed with SIGKILL while sending, then restarted: the run is taken over once its lease expires, and every recipient has exactly one email', () =>
    withSmtp(async (smtp) => {
    const { file, stateDir } = configFor(smtp.port, [daily('daily')], {}, { leaseSeconds: 5 });
    // The second message is held unanswered: the worker is then after rendering, in the middle of sending.
    smtp.holdArrival(2);
    const child: ChildProcess = spawn(process.execPath, [BIN, 'worker', '--config', file, '--once', '--now', iso(today6 + 60_000)], { stdio: 'ignore' });
    const deadline = Date.now() + 90_000;
    while (smtp.arrivals < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(smtp.arrivals).toBe(2);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(smtp.received).toHaveLength(1);
    const left = runs(stateDir)[0]!;
    expect(left.status).toBe('running');
    expect(left.owner).toMatch(new RegExp(`^${os.hostname()}:${child.pid}:`));
    smtp.holdArrival(0);
    // Ownership is a lease, not a process id: the run is taken over once its lease (on the record and on the
    // schedule) has passed, and not before (test/scheduler/ledger.test.ts).
    const lease = JSON.parse(fs.readFileSync(path.join(stateDir, 'locks', 'acme.daily.lock'), 'utf8')) as { expiresAt: string };
    const expiry = Math.max(Date.parse(left.leaseUntil!), Date.parse(lease.expiresAt));
    while (Date.now() <= expiry) await new Promise((r) => setTimeout(r, 100));
    const again = await worker(file, today6 + 2 * 60_000);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(perRecipient(smtp)).toEqual({ 'soc@acme.example': 1, 'ciso@acme.example': 1 });
    const [run] = runs(stateDir);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(outbox(stateDir, run!.id).map((o) => o.status)).toEqual(['sent', 'sent']);
    // The report was not built again: the archived artifact was reused.
    expect(again.stdout).toContain('artifacts already archived and intact');
    expect(again.stdout).toContain('run taken over');
    }), 240_000);

  it('stopped across two windows: catch-up produces both, skip records both as skipped', () =>
    withSmtp(async (smtp) => {
    const { file, stateDir } = configFor(smtp.port, [daily('catchup', 'catch-up'), daily('skipper', 'skip')]);
    expect((await worker(file, today6 - 2 * DAY + 60_000)).code).toBe(0);
    // Down from then until 30 minutes after the next two firings.
    const r = await worker(file, today6 + 30 * 60_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const byStatus = (name: string) => runs(stateDir).filter((x) => x.schedule === name).map((x) => `${x.window.from.slice(0, 10)} ${x.status}`);
    const day = (k: number) => iso(today6 - k * DAY).slice(0, 10);
    expect(byStatus('catchup')).toEqual([`${day(3)} succeeded`, `${day(2)} succeeded`, `${day(1)} succeeded`]);
    expect(byStatus('skipper')).toEqual([`${day(3)} succeeded`, `${day(2)} skipped`, `${day(1)} skipped`]);
    expect(runs(stateDir).find((x) => x.status === 'skipped')!.reason).toContain('misfire policy skip');
    // 3 catch-up runs and 1 on-time skip-policy run, two recipients each.
    expect(smtp.received).toHaveLength(8);
    }), 240_000);

  it('SMTP down: the run fails with its reason after the retries, nothing is marked sent, and the next attempt sends exactly once', async () => {
    const port = await freePort();
    const { file, stateDir } = configFor(port, [daily('daily')]);
    const down = await worker(file, today6 + 60_000);
    expect(down.code).toBe(1);
    const [failed] = runs(stateDir);
    expect(failed!.status).toBe('failed');
    expect(failed!.reason).toMatch(/ECONNREFUSED|connect/);
    expect(outbox(stateDir, failed!.id).every((o) => o.status === 'failed')).toBe(true);
    await withSmtp(async (smtp) => {
      const up = await worker(file, today6 + 2 * 60_000);
      expect(up.code, up.stderr + up.stdout).toBe(0);
      expect(perRecipient(smtp)).toEqual({ 'soc@acme.example': 1, 'ciso@acme.example': 1 });
      expect(runs(stateDir)[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
      // A later tick sends nothing more.
      expect((await worker(file, today6 + 3 * 60_000)).code).toBe(0);
      expect(smtp.received).toHaveLength(2);
    }, port);
  }, 240_000);

  it('SMTP refusing (550): the run fails at once with the server reply, nothing marked sent', () =>
    withSmtp(async (smtp) => {
    smtp.refuseWith(550);
    const { file, stateDir } = configFor(smtp.port, [daily('daily')]);
    expect((await worker(file, today6 + 60_000)).code).toBe(1);
    const [run] = runs(stateDir);
    expect(run!.reason).toContain('550');
    expect(outbox(stateDir, run!.id).map((o) => o.status)).toEqual(['failed', 'failed']);
    // A permanent refusal is not retried within the attempt: one arrival per recipient.
    expect(smtp.arrivals).toBe(2);
    }), 180_000);

  it('over the size cap, the email carries a note instead of the PDF (no server path, not the product name), never nothing', () =>
    withSmtp(async (smtp) => {
    const { file } = configFor(smtp.port, [daily('daily')], { maxMessageBytes: '70KB' });
    expect((await worker(file, today6 + 60_000)).code).toBe(0);
    const mail = smtp.received[0]!.email;
    expect(mail.attachments.some((a) => a.mimeType === 'application/pdf')).toBe(false);
    expect(mail.text).toMatch(/is larger than this mail system accepts, so it is not attached; ask your DDoS protection provider for a copy of report AR-/);
    // No path on the provider's server, and not the product's name where the provider's belongs.
    expect(mail.text).not.toContain(root);
    expect(mail.html).not.toContain(root);
    expect(mail.text).not.toContain('Attack Report contact');
    }), 180_000);

  it('a schedule without a PDF sends the summary and says how to get the report, never a mislabelled attachment', () =>
    withSmtp(async (smtp) => {
      const { file } = configFor(smtp.port, [{ ...daily('daily'), formats: ['json'] }]);
      const r = await worker(file, today6 + 60_000);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const mail = smtp.received[0]!.email;
      expect(mail.attachments.map((a) => a.mimeType)).toEqual(['image/png']);
      expect(mail.text).toContain('The full report is not attached; ask your DDoS protection provider for a copy of report AR-');
      expect(mail.text).not.toContain(root);
    }), 180_000);

  it('on SIGTERM stops taking runs, records the one it abandoned, and exits 0; /healthz and /metrics answer meanwhile', () =>
    withSmtp(async (smtp) => {
    const { file, stateDir } = configFor(smtp.port, [daily('daily')], {}, { httpPort: 0, shutdownGraceSeconds: 1 });
    smtp.holdArrival(1);
    const child = spawn(process.execPath, [BIN, 'worker', '--config', file, '--now', iso(today6 + 60_000)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 90_000;
    while (smtp.arrivals < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const port = Number(/"port":(\d+)/.exec(out)?.[1]);
    expect(port).toBeGreaterThan(0);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('attack_report_runs_total');
    expect(metrics).toContain('attack_report_emails_total');
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    const [run] = runs(stateDir);
    expect(run).toMatchObject({ status: 'failed', reason: 'abandoned at shutdown (SIGTERM)' });
    expect(out).toContain('run abandoned at shutdown');
    }), 180_000);

  it('send --dry-run writes only to its own directory and shows what it would send: no archive, no ledger, no email', () =>
    withSmtp(async (smtp) => {
    const { file, stateDir, archiveDir } = configFor(smtp.port, []);
    const run = (args: string[]) => cli(['send', '--config', file, '--customer', 'acme', ...args]);
    const sent = await run(['--window', 'yesterday', '--to', 'soc@acme.example']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(smtp.received.map((m) => m.to)).toEqual([['soc@acme.example']]);
    const [archived] = runs(stateDir);
    const pdfArtifact = archived!.artifacts!.find((a) => a.format === 'pdf')!;
    expect(mode(pdfArtifact.path)).toBe('600');
    const before = fs.readdirSync(path.join(stateDir, 'runs'));

    const out = path.join(root, 'dry-run-out');
    const dry = await run(['--window', 'yesterday', '--dry-run', '--out', out]);
    expect(dry.code, dry.stderr).toBe(0);
    const [pdf] = dry.stdout.trim().split('\n');
    expect(path.dirname(pdf!)).toBe(out);
    expect(mode(pdf!)).toBe('600');
    expect(dry.stderr).toMatch(/to soc@acme\.example: "DDoS attack report: Acme Retail, [^"]+", Acme-Retail-attack-report-\d{4}-\d{2}-\d{2}\.pdf attached/);
    expect(dry.stderr).toMatch(/to ciso@acme\.example: /);
    // The archived report, whose hash is in the ledger, is untouched; the dry run is in no ledger.
    expect(sha256File(pdfArtifact.path)).toBe(pdfArtifact.sha256);
    expect(fs.readdirSync(path.join(stateDir, 'runs'))).toEqual(before);
    expect(fs.readdirSync(archiveDir, { recursive: true }).filter((f) => String(f).endsWith('.pdf'))).toHaveLength(1);
    expect(smtp.arrivals).toBe(1);

    // Without --out, a fresh temporary directory.
    const tmp = await run(['--window', 'yesterday', '--dry-run']);
    expect(tmp.code, tmp.stderr).toBe(0);
    expect(tmp.stdout.trim().startsWith(os.tmpdir())).toBe(true);
    expect(fs.readdirSync(path.join(stateDir, 'runs'))).toEqual(before);

    // A second real send of the same window is archived beside the first, which stays as the ledger says.
    const again = await run(['--window', 'yesterday', '--to', 'soc@acme.example']);
    expect(again.code, again.stderr).toBe(0);
    const second = again.stdout.trim().split('\n').find((l) => l.endsWith('.pdf'))!;
    expect(second).toBe(pdfArtifact.path.replace(/\.pdf$/, '-2.pdf'));
    expect(sha256File(pdfArtifact.path)).toBe(pdfArtifact.sha256);
  }), 240_000);

  it.each([
    ['someone@gmail.com', "outside acme's allowed domains"],
    // nodemailer reads this as the mailbox "x" named "root@acme.example": it must not pass as an acme address.
    ['root<x>@acme.example', 'must be a plain address such as soc@example.com (read as "x" named "root@acme.example")'],
    ['soc@acme.example, boss@gmail.com', 'must be exactly one email address'],
    ['soc@acme.example\r\nBcc: spy@gmail.com', 'contains a line break'],
  ])('send --to %j is refused with exit 2 before anything is built', async (to, message) => {
    const { file, stateDir } = configFor(1, []);
    const r = await cli(['send', '--config', file, '--customer', 'acme', '--window', 'yesterday', '--to', to]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fs.existsSync(stateDir)).toBe(false);
  });

  it('a --now before the watermark moves nothing back and produces nothing; a --now in the future is refused', () =>
    withSmtp(async (smtp) => {
    const { file, stateDir } = configFor(smtp.port, [daily('daily')]);
    const first = await worker(file, today6 + 60_000);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(smtp.received).toHaveLength(2);
    const watermarkFile = path.join(stateDir, 'watermarks', 'acme.daily.json');
    const watermark = fs.readFileSync(watermarkFile, 'utf8');
    const replay = await worker(file, Date.parse('2020-01-01T00:00:00Z'));
    expect(replay.code, replay.stderr + replay.stdout).toBe(0);
    expect(replay.stdout).toContain("the clock is before the schedule's watermark");
    expect(fs.readFileSync(watermarkFile, 'utf8')).toBe(watermark);
    // The next real tick finds nothing to skip or send again.
    expect((await worker(file, today6 + 2 * 60_000)).code).toBe(0);
    expect(runs(stateDir).map((r) => r.status)).toEqual(['succeeded']);
    expect(smtp.received).toHaveLength(2);

    const latest = fs.readFileSync(watermarkFile, 'utf8');
    const future = iso(Date.now() + 7 * DAY);
    for (const args of [['worker', '--once'], ['send', '--customer', 'acme', '--window', 'yesterday', '--dry-run']]) {
      const r = await cli([...args, '--config', file, '--now', future]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`--now ${future} is later than the current time`);
    }
    expect(fs.readFileSync(watermarkFile, 'utf8')).toBe(latest);
    }), 240_000);
});
