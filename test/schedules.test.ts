/**
 * `attack-report schedules` and the operation behind it (src/scheduler/schedules.ts): each schedule's next
 * firing and window in the customer's time zone (across a daylight-saving change), when it becomes due after the
 * data delay, and its latest scheduled run from the ledger.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/file.js';
import { FileLedger, runId, type RunRecord } from '../src/scheduler/ledger.js';
import { listSchedules } from '../src/scheduler/schedules.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-schedules-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const configFile = path.join(work, 'config.yaml');
fs.writeFileSync(configFile, stringify({
  smtp: { host: '127.0.0.1', port: 2525, from: 'reports@provider.example' },
  worker: { stateDir: 'state', dataDelayMinutes: 30 },
  customers: [
    { id: 'acme', name: 'Acme', accountId: 'acme', timezone: 'Europe/Lisbon', recipients: ['soc@acme.example'], allowedDomains: ['acme.example'],
      schedules: [{ name: 'daily', preset: 'daily' }] },
    { id: 'globex', name: 'Globex', accountId: 'globex', timezone: 'America/New_York', recipients: ['a@globex.example'], allowedDomains: ['globex.example'],
      schedules: [{ name: 'hourly', cron: '0 * * * *', window: 'last-24h', formats: ['json'] }] },
  ],
}));
const { config } = loadConfig(configFile);
const ledger = new FileLedger(config.worker.stateDir);

function record(over: Partial<RunRecord> & Pick<RunRecord, 'customer' | 'schedule' | 'window' | 'status'>): RunRecord {
  return { id: runId(over.customer, over.schedule, Date.parse(over.window.from)), dueAt: over.window.to, attempts: 1, createdAt: over.window.to, recipients: [], ...over };
}

describe('listSchedules', () => {
  it('gives the next firing and window in the customer\'s zone, across the spring-forward day, and when it is due', async () => {
    // Lisbon moves from +00:00 to +01:00 at 01:00 UTC on 29 March 2026; noon UTC that day.
    const now = Date.parse('2026-03-29T12:00:00Z');
    const [daily, hourly] = await listSchedules(config, ledger, now);
    expect(daily).toMatchObject({
      customer: 'acme', schedule: 'daily', window: 'previous-day', timezone: 'Europe/Lisbon', cron: '0 6 * * *',
      // 06:00 local the next day is 05:00 UTC; the 23-hour day it covers starts at +00:00 and ends at +01:00.
      next: { firesAt: '2026-03-30T06:00:00+01:00', from: '2026-03-29T00:00:00+00:00', to: '2026-03-30T00:00:00+01:00', dueAt: '2026-03-30T06:00:00+01:00' },
    });
    expect(hourly).toMatchObject({
      customer: 'globex', schedule: 'hourly', formats: ['json'],
      // New York is already on daylight time (-04:00); a rolling window is due 30 minutes (the data delay) after its end.
      next: { firesAt: '2026-03-29T09:00:00-04:00', from: '2026-03-28T09:00:00-04:00', to: '2026-03-29T09:00:00-04:00', dueAt: '2026-03-29T09:30:00-04:00' },
    });
    expect(daily!.lastRun).toBeUndefined();
  });

  it('shows the newest scheduled run of each schedule, not an on-demand send', async () => {
    const older = { from: '2026-03-26T00:00:00.000Z', to: '2026-03-27T00:00:00.000Z', timezone: 'Europe/Lisbon' };
    const newer = { from: '2026-03-27T00:00:00.000Z', to: '2026-03-28T00:00:00.000Z', timezone: 'Europe/Lisbon' };
    expect(await ledger.claim(record({ customer: 'acme', schedule: 'daily', window: older, status: 'succeeded', finishedAt: '2026-03-27T06:01:00.000Z' }))).toBe(true);
    expect(await ledger.claim(record({ customer: 'acme', schedule: 'daily', window: newer, status: 'failed', reason: 'SMTP refused' }))).toBe(true);
    const later = { from: '2026-03-28T00:00:00.000Z', to: '2026-03-29T00:00:00.000Z', timezone: 'Europe/Lisbon' };
    expect(await ledger.claim(record({ id: 'acme.send.x', customer: 'acme', schedule: 'daily', window: later, status: 'succeeded', onDemand: true }))).toBe(true);
    const [daily, hourly] = await listSchedules(config, ledger, Date.parse('2026-03-29T12:00:00Z'));
    expect(daily!.lastRun).toEqual({ id: runId('acme', 'daily', Date.parse(newer.from)), status: 'failed', window: { from: newer.from, to: newer.to }, reason: 'SMTP refused' });
    expect(hourly!.lastRun).toBeUndefined();
    expect((await listSchedules(config, ledger, Date.parse('2026-03-29T12:00:00Z'), { customer: 'globex' })).map((v) => v.customer)).toEqual(['globex']);
  });
});

describe('attack-report schedules', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'schedules', '--config', configFile, ...args], { encoding: 'utf8' });

  it('prints one line per schedule with its next firing in local time, or JSON lines with --json', () => {
    const table = run([]);
    expect(table.status, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^customer\s+schedule\s+state\s+window\s+time zone\s+next firing\s+next window\s+due\s+latest run/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^acme\s+daily\s+active\s+previous-day\s+Europe\/Lisbon\s+\d{4}-\d\d-\d\d 06:00 \+0[01]:00 .*failed \(2026-03-27T00:00Z\)$/);
    expect(lines[2]).toMatch(/^globex\s+hourly\s+active\s+last-24h\s+America\/New_York\s+\d{4}-\d\d-\d\d \d\d:00 -0[45]:00 .*none$/);
    const json = run(['--json', '--customer', 'globex']);
    expect(json.status).toBe(0);
    const views = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { customer: string; next: { firesAt: string } });
    expect(views.map((v) => v.customer)).toEqual(['globex']);
    expect(Date.parse(views[0]!.next.firesAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(views[0]!.next.firesAt) - Date.now()).toBeLessThanOrEqual(3_600_000);
  });

  it('an unknown customer exits 2 naming it', () => {
    const r = run(['--customer', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--customer "nope" is not in');
    expect(r.stdout).toBe('');
  });
});

describe('pause and resume', () => {
  const run = (cmd: string, args: string[]) => spawnSync(process.execPath, [BIN, cmd, '--config', configFile, ...args], { encoding: 'utf8' });

  it('through the CLI: a pause shows in schedules with who and why, and resume lifts it; mistakes exit 2 naming them', () => {
    const paused = run('pause', ['--customer', 'acme', '--schedule', 'daily', '--reason', 'customer migration']);
    expect(paused.status, paused.stderr).toBe(0);
    expect(paused.stderr).toMatch(/paused schedule daily of acme \(by .+ at \d{4}-/);
    const listed = run('schedules', ['--json', '--customer', 'acme']);
    const [view] = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { paused?: { by: string; reason: string; schedule: string }; next?: unknown });
    expect(view!.paused).toMatchObject({ schedule: 'daily', reason: 'customer migration' });
    // A paused schedule produces nothing at its next firing, so none is shown.
    expect(view!.next).toBeUndefined();
    expect(run('schedules', []).stdout).toMatch(/\nacme\s+daily\s+paused by \S+ \d{4}-\d\d-\d\dT\d\d:\d\dZ\s+previous-day\s+\S+\s+none \(paused\)/);

    expect(run('pause', ['--customer', 'acme', '--schedule', 'nightly']).stderr).toContain('--schedule "nightly" is not a schedule of acme (daily)');
    expect(run('pause', ['--customer', 'acme', '--reason', 'x\ny']).status).toBe(2);
    const notPaused = run('resume', ['--customer', 'globex']);
    expect(notPaused.status).toBe(2);
    expect(notPaused.stderr).toContain('the customer-wide pause of globex is not paused');

    const resumed = run('resume', ['--customer', 'acme', '--schedule', 'daily']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const after = run('schedules', ['--json', '--customer', 'acme']).stdout;
    expect(after).not.toContain('"paused"');
    expect(after).toContain('"next"');
  });

  it('in the worker: firings while paused are recorded as skipped with the pause, queued runs wait, and the resume produces the next firing', async () => {
    const { default: pino } = await import('pino');
    const { plan, pending } = await import('../src/scheduler/worker.js');
    const state = new FileLedger(path.join(work, 'state-worker'));
    const ctx = { ledger: state, config, log: pino({ level: 'silent' }) } as unknown as Parameters<typeof plan>[0];
    // acme's daily preset fires at 06:00 Lisbon (+00:00 in winter).
    const firing1 = Date.parse('2026-01-12T06:00:00Z');
    await state.pause({ customer: 'acme', by: 'tester', reason: 'contract ended' }, firing1 - 3_600_000);
    expect((await plan(ctx, firing1 + 60_000)).filter((id) => id.startsWith('acme.'))).toEqual([]);
    const skipped = await state.list({ customer: 'acme' });
    expect(skipped).toMatchObject([{ schedule: 'daily', status: 'skipped', reason: `paused by tester at ${new Date(firing1 - 3_600_000).toISOString()} (contract ended)` }]);
    expect((await pending(ctx, firing1 + 120_000, { ignoreJitter: true }, firing1 + 120_000)).filter((r) => r.customer === 'acme')).toEqual([]);

    expect(await state.resume('acme')).toBe(true);
    const firing2 = firing1 + 86_400_000;
    const claimed = (await plan(ctx, firing2 + 60_000)).filter((id) => id.startsWith('acme.'));
    expect(claimed).toHaveLength(1);
    // Due at the firing (the window ended six hours before, past the 30-minute data delay).
    const due = async (t: number) => (await pending(ctx, t, { ignoreJitter: true }, t)).filter((r) => r.customer === 'acme').map((r) => r.id);
    expect(await due(firing2 + 60_000)).toEqual(claimed);
    // Paused again before it ran: it waits, and runs after the resume.
    await state.pause({ customer: 'acme', schedule: 'daily', by: 'tester' });
    expect(await due(firing2 + 120_000)).toEqual([]);
    await state.resume('acme', 'daily');
    expect(await due(firing2 + 180_000)).toEqual(claimed);
  });
});

describe('attack-report run', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'run', '--config', configFile, ...args], { encoding: 'utf8' });

  it('shows a run with its attempts, reason, artifacts and each recipient\'s send status', async () => {
    const window = { from: '2026-02-01T00:00:00.000Z', to: '2026-02-02T00:00:00.000Z', timezone: 'Europe/Lisbon' };
    const r = record({
      customer: 'acme', schedule: 'daily', window, status: 'failed', attempts: 2, reason: 'ciso@acme.example: 550 mailbox unavailable',
      recipients: ['soc@acme.example', 'ciso@acme.example'], durationMs: 4200,
      artifacts: [{ format: 'pdf', path: '/archive/acme/report.pdf', sha256: 'ab'.repeat(32), bytes: 81234 }],
    });
    expect(await ledger.claim(r)).toBe(true);
    await ledger.saveOutbox({ ...(await ledger.outbox(r.id, 'soc@acme.example')), status: 'sent', attempts: 1, mode: 'attachment', sentAt: '2026-02-02T06:01:10.000Z' });
    await ledger.saveOutbox({ ...(await ledger.outbox(r.id, 'ciso@acme.example')), status: 'failed', attempts: 2, error: '550 mailbox unavailable' });

    const text = run([r.id]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^status\s+failed$/m);
    expect(text.stdout).toMatch(/^attempts\s+2$/m);
    expect(text.stdout).toMatch(/^took\s+4\.2 s$/m);
    expect(text.stdout).toMatch(/^pdf\s+81234\s+abababababababab\s+\/archive\/acme\/report\.pdf$/m);
    expect(text.stdout).toMatch(/^soc@acme\.example\s+sent\s+1\s+2026-02-02T06:01:10\.000Z\s+attachment$/m);
    expect(text.stdout).toMatch(/^ciso@acme\.example\s+failed\s+2\s+550 mailbox unavailable$/m);

    const json = JSON.parse(run([r.id, '--json']).stdout) as { run: RunRecord; deliveries: { recipient: string; status: string }[] };
    expect(json.run.id).toBe(r.id);
    expect(json.deliveries.map((d) => [d.recipient, d.status])).toEqual([['soc@acme.example', 'sent'], ['ciso@acme.example', 'failed']]);
  });

  it('an unknown or malformed id exits 2 naming it', () => {
    const unknown = run(['acme.daily.20990101T000000Z']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no run acme.daily.20990101T000000Z in');
    const bad = run(['../../etc/passwd']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('is not a run id');
  });
});

describe('runs --since and --limit', () => {
  const runs = (args: string[]) => spawnSync(process.execPath, [BIN, 'runs', '--config', configFile, '--customer', 'acme', '--json', ...args], { encoding: 'utf8' });
  const ids = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as RunRecord).id);

  it('filters by due time and keeps the newest n, saying on stderr that runs were left out', () => {
    const all = runs([]);
    expect(all.status, all.stderr).toBe(0);
    const every = ids(all.stdout);
    expect(every.length).toBeGreaterThanOrEqual(3);
    expect(all.stderr).toBe('');
    const newest = runs(['--limit', '2']);
    expect(ids(newest.stdout)).toEqual(every.slice(-2));
    expect(newest.stderr).toContain(`showing the newest 2 of ${every.length} matching runs (--limit 2)`);
    // Due times here are the windows' ends: 2026-02-02, 2026-03-27, 2026-03-28, 2026-03-29.
    expect(ids(runs(['--since', '2026-03-28']).stdout)).toEqual(every.filter((id) => id >= 'acme.daily.20260327' || id.startsWith('acme.send')));
    expect(ids(runs(['--since', '1d']).stdout)).toEqual([]);
    for (const bad of [['--limit', '0'], ['--limit', 'x'], ['--since', 'yesterday-ish']]) {
      const r = runs(bad);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(bad[0]);
    }
  });
});

describe('send --preview', () => {
  it('for an account with no telemetry says the real send would be held, exits 1 and builds nothing', () => {
    const out = path.join(work, 'preview');
    const r = spawnSync(process.execPath, [BIN, '--data-dir', path.join(work, 'empty-store'), 'send', '--config', configFile, '--customer', 'acme', '--window', 'yesterday', '--preview', '--out', out], {
      encoding: 'utf8', env: { ...process.env, CLICKHOUSE_URL: '', ATTACK_REPORT_DATA_DIR: path.join(work, 'empty-store') },
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('a real send would be held and send nothing: account "acme" has no telemetry at all');
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
