/**
 * `attack-report ledger move` and the history commands on PostgreSQL, through the CLI (separate processes)
 * against a real PostgreSQL: a file ledger holding every kind of record (runs in each finished state, outboxes of
 * the run and of a re-send, stored models, watermarks, pauses, an audit trail at past instants) is moved; `runs`
 * and `run ID` read the same from PostgreSQL as from the files; a second move copies nothing; a ledger in use is
 * refused. The password is never printed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { FileLedger, type RunRecord } from '../../src/scheduler/ledger.js';
import { openPostgresLedger } from '../../src/scheduler/ledger-postgres.js';
import { runDetails } from '../../src/scheduler/run-details.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-ledger-move-'));
const HOUR = 3_600_000;
const T0 = Date.parse('2026-10-01T06:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

let server: TestPostgres;

beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.destroy();
  fs.rmSync(root, { recursive: true, force: true });
});

/** The CLI in a child process, with the ledger password only in its environment. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LEDGER_PASSWORD: server.password } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    // Whatever the command did, the password never shows.
    expect(stdout + stderr).not.toContain(server.password);
    resolve({ code, stdout, stderr });
  }));
}

/** A case directory with its file ledger under state/, a files config and (with a database) a PostgreSQL config. */
function makeCase(name: string, dbUrl?: string): { dir: string; stateDir: string; files: string; pg: string } {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const customers = ['acme', 'globex'].map((id) => ({
    id, name: id, accountId: id, timezone: 'UTC', allowedDomains: [`${id}.example`], recipients: [`soc@${id}.example`, `ciso@${id}.example`],
    schedules: [{ name: 'daily', cron: '0 6 * * *', window: 'previous-day' }, { name: 'weekly', cron: '0 6 * * 1', window: 'previous-week' }],
  }));
  const write = (file: string, worker: object) => {
    fs.writeFileSync(path.join(dir, file), stringify({ smtp: { host: '127.0.0.1', port: 2525, from: 'Reports <reports@provider.example>' }, output: { dir: 'archive' }, worker: { stateDir: 'state', ...worker }, customers }));
    return path.join(dir, file);
  };
  // The password comes from the environment, as the README tells operators to do.
  const ledger = dbUrl?.replace(`:${encodeURIComponent(server.password)}@`, ':${LEDGER_PASSWORD}@');
  return { dir, stateDir: path.join(dir, 'state'), files: write('files.yaml', {}), pg: write('pg.yaml', ledger ? { ledger } : {}) };
}

function run(customer: string, schedule: string, day: number, status: RunRecord['status'], extra: Partial<RunRecord> = {}): RunRecord {
  const from = T0 - (day + 1) * 24 * HOUR;
  return {
    id: `${customer}.${schedule}.d${day}`, customer, schedule, dueAt: iso(from + 24 * HOUR + 60_000),
    window: { from: iso(from), to: iso(from + 24 * HOUR), timezone: 'UTC' }, status, attempts: status === 'skipped' ? 0 : 1,
    createdAt: iso(from + 24 * HOUR + 61_000), recipients: [`soc@${customer}.example`, `ciso@${customer}.example`], ...extra,
  };
}

/** Fills a file ledger with every kind of record, as runs, retries, re-sends and operators leave them. */
async function fill(stateDir: string): Promise<string[]> {
  const l = new FileLedger(stateDir);
  const ids: string[] = [];
  for (const customer of ['acme', 'globex']) {
    for (let day = 0; day < 6; day++) {
      const status = day === 2 ? 'failed' : day === 4 ? 'skipped' : 'succeeded';
      const r = run(customer, 'daily', day, status, status === 'succeeded'
        ? { startedAt: iso(T0 - day * 24 * HOUR + 61_000), finishedAt: iso(T0 - day * 24 * HOUR + 75_000), durationMs: 14_000, artifacts: [{ format: 'pdf', path: `/archive/${customer}/d${day}.pdf`, sha256: 'ab'.repeat(32), bytes: 1234 }] }
        : { reason: status === 'failed' ? 'SMTP refused ciso' : 'paused by alice', ...(status === 'failed' ? { attempts: 3 } : {}) });
      await l.claim(r);
      ids.push(r.id);
      if (status === 'skipped') continue;
      await l.saveModel(r.id, { customer, day, summary: { attacks: day * 7 } });
      await l.saveOutbox({ ...(await l.outbox(r.id, r.recipients[0]!)), status: 'sent', attempts: 1, mode: 'attachment', sentAt: iso(T0 - day * 24 * HOUR + 70_000) });
      if (status === 'failed') await l.saveOutbox({ ...(await l.outbox(r.id, r.recipients[1]!)), status: 'failed', attempts: 3, error: '550 refused' });
      else await l.saveOutbox({ ...(await l.outbox(r.id, r.recipients[1]!)), status: 'sent', attempts: 2, mode: 'note', sentAt: iso(T0 - day * 24 * HOUR + 72_000) });
    }
    await l.claim(run(customer, 'weekly', 0, 'succeeded'));
    ids.push(`${customer}.weekly.d0`);
    await l.setWatermark(customer, 'daily', T0);
    await l.setWatermark(customer, 'weekly', T0 - 24 * HOUR);
  }
  // Two re-sends of one run, each with its own delivery, asked at past instants; the audit trail says who.
  const resent = 'acme.daily.d1';
  for (const [n, to] of [[1, 'soc@acme.example'], [2, 'new@acme.example']] as const) {
    const at = T0 + n * HOUR;
    const rs = await l.startResend(resent, { by: 'alice', recipients: [to] }, at);
    await l.saveOutbox({ ...(await l.outbox(resent, to, rs.id)), status: 'sent', attempts: 1, mode: 'attachment', sentAt: iso(at + 5000) });
    await l.audit({ by: 'alice', action: 'resend', customer: 'acme', runId: resent, detail: `${rs.id} to ${to}` }, at);
  }
  await l.audit({ by: 'cli:ops', action: 'retry', customer: 'globex', runId: 'globex.daily.d2' }, T0 + 3 * HOUR);
  await l.audit({ by: 'cli:ops', action: 'retry', customer: 'globex', runId: 'globex.daily.d2' }, T0 + 3 * HOUR); // the same twice: both kept
  await l.pause({ customer: 'acme', schedule: 'weekly', by: 'alice', reason: 'maintenance' }, T0 + 4 * HOUR);
  await l.pause({ customer: 'globex', by: 'bob' }, T0 + 5 * HOUR);
  return ids;
}

/** The table `move` prints, as { kind: [in source, copied, already there] }. */
function moveTable(stdout: string): Record<string, number[]> {
  return Object.fromEntries(stdout.trim().split('\n').slice(1).map((line) => {
    const [kind, ...n] = line.trim().split(/\s+/);
    return [kind!, n.map(Number)];
  }));
}

describe('ledger move', () => {
  test('moves every record of a file ledger; runs and run ID read the same from PostgreSQL; a second move copies nothing', async () => {
    const url = await server.newDatabase();
    const c = makeCase('full', url);
    const ids = await fill(c.stateDir);

    const before = await cli(['runs', '--config', c.files]);
    expect(before.code).toBe(0);
    expect(before.stdout.trim().split('\n')).toHaveLength(ids.length + 1);
    // Every run's details as `run ID --json` prints them (runDetails), from the files.
    const detailsBefore = await Promise.all(ids.map(async (id) => runDetails(new FileLedger(c.stateDir), id)));

    const moved = await cli(['ledger', 'move', '--config', c.pg]);
    expect(moved.stderr).toContain('verified');
    expect(moved.code).toBe(0);
    expect(moved.stderr).toContain(`moving ${c.stateDir} into postgres://`);
    expect(moveTable(moved.stdout)).toEqual({
      runs: [14, 14, 0], resends: [2, 2, 0], outbox: [2 * 5 * 2 + 2, 22, 0], models: [10, 10, 0], watermarks: [4, 4, 0], pauses: [2, 2, 0], audit: [4, 4, 0],
    });
    // Progress, one line per kind at least (stderr is not a terminal here).
    expect(moved.stderr).toMatch(/runs: 14\/14/);

    // The history reads the same: the listing, and every run's details (deliveries, re-sends, audit).
    const after = await cli(['runs', '--config', c.pg]);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe(before.stdout);
    // Through the CLI for one run of each kind (each process costs a second or two): re-sent, failed, skipped,
    // without outbox; every run through the same function in this process.
    const shown = ['acme.daily.d1', 'globex.daily.d2', 'acme.daily.d4', 'globex.weekly.d0'];
    const detailsAfter = await Promise.all(shown.map((id) => cli(['run', id, '--config', c.pg, '--json'])));
    for (const [i, d] of detailsAfter.entries()) {
      expect(d.code).toBe(0);
      expect(JSON.parse(d.stdout)).toEqual(JSON.parse(JSON.stringify(detailsBefore[ids.indexOf(shown[i]!)])));
    }
    const pgDetails = await openPostgresLedger(url);
    try {
      for (const [i, id] of ids.entries()) expect(await runDetails(pgDetails, id)).toEqual(detailsBefore[i]);
    } finally {
      await pgDetails.close();
    }
    const resent = JSON.parse(detailsAfter[0]!.stdout) as { resends: { id: string; at: string }[]; audit: unknown[] };
    expect(resent.resends.map((r) => [r.id, r.at])).toEqual([['resend-1', iso(T0 + HOUR)], ['resend-2', iso(T0 + 2 * HOUR)]]);
    expect(resent.audit).toHaveLength(2);

    // What the worker reads besides the history: watermarks, pauses, models.
    const pgLedger = await openPostgresLedger(url);
    try {
      expect(await pgLedger.watermarks()).toEqual(expect.arrayContaining([{ customer: 'acme', schedule: 'daily', atMs: T0 }, { customer: 'globex', schedule: 'weekly', atMs: T0 - 24 * HOUR }]));
      expect((await pgLedger.pausedBy('globex', 'daily'))?.by).toBe('bob');
      expect(await pgLedger.pausedBy('acme', 'weekly')).toEqual({ customer: 'acme', schedule: 'weekly', at: iso(T0 + 4 * HOUR), by: 'alice', reason: 'maintenance' });
      expect(await pgLedger.model('globex.daily.d3')).toEqual({ customer: 'globex', day: 3, summary: { attacks: 21 } });
      expect(await pgLedger.auditTrail({ runId: 'globex.daily.d2' })).toHaveLength(2);
    } finally {
      await pgLedger.close();
    }

    // Again: nothing copied, everything counted as already there, and still verified.
    const again = await cli(['ledger', 'move', '--config', c.pg]);
    expect(again.code).toBe(0);
    const table = moveTable(again.stdout);
    for (const [kind, [source, copied, already]] of Object.entries(table)) {
      expect([kind, copied, already]).toEqual([kind, 0, source]);
    }
    expect(again.stderr).toMatch(/0 copied now, 58 already there/);
    expect((await cli(['runs', '--config', c.pg])).stdout).toBe(before.stdout);
  }, 90_000);

  test('a move cut short is completed: only what is missing is copied', async () => {
    const url = await server.newDatabase();
    const c = makeCase('partial', url);
    await fill(c.stateDir);
    // As if an earlier move stopped after a few records: one run with its first re-send, one audit entry.
    const pgLedger = await openPostgresLedger(url);
    const source = new FileLedger(c.stateDir);
    try {
      await pgLedger.claim((await source.get('acme.daily.d1'))!);
      const first = (await source.resends('acme.daily.d1'))[0]!;
      await pgLedger.startResend('acme.daily.d1', { by: first.by, recipients: first.recipients }, Date.parse(first.at));
      const e = (await source.auditTrail())[0]!;
      await pgLedger.audit({ by: e.by, action: e.action, customer: e.customer!, runId: e.runId!, detail: e.detail! }, Date.parse(e.at));
    } finally {
      await pgLedger.close();
    }
    const moved = await cli(['ledger', 'move', '--config', c.pg]);
    expect(moved.code, moved.stderr).toBe(0);
    const table = moveTable(moved.stdout);
    expect(table.runs).toEqual([14, 13, 1]);
    expect(table.resends).toEqual([2, 1, 1]);
    expect(table.audit).toEqual([4, 3, 1]);
    expect((await cli(['runs', '--config', c.pg])).stdout).toBe((await cli(['runs', '--config', c.files])).stdout);
  }, 60_000);

  test('refused while a worker holds a lease or a run is running, naming it; nothing is copied', async () => {
    const url = await server.newDatabase();
    const c = makeCase('busy', url);
    await fill(c.stateDir);
    const files = new FileLedger(c.stateDir);
    const lease = await files.lease('acme', 'daily', 60_000);
    expect(lease).not.toBeNull();
    const held = await cli(['ledger', 'move', '--config', c.pg]);
    expect(held.code).toBe(1);
    expect(held.stderr).toContain(`the lease of acme.daily is held by ${lease!.owner}`);
    expect(held.stderr).toContain('Stop every worker');
    await lease!.release();

    await files.claim(run('globex', 'weekly', 3, 'running', { owner: 'host-b:42:abc', leaseUntil: iso(Date.now() + 60_000) }));
    const running = await cli(['ledger', 'move', '--config', c.pg]);
    expect(running.code).toBe(1);
    expect(running.stderr).toContain('run globex.weekly.d3 is running (owner host-b:42:abc');
    const pgLedger = await openPostgresLedger(url);
    try {
      expect((await pgLedger.query()).total).toBe(0);
    } finally {
      await pgLedger.close();
    }
  }, 60_000);

  test('usage errors: no worker.ledger in the configuration, no file ledger in --from (none created)', async () => {
    const c = makeCase('usage');
    const noLedger = await cli(['ledger', 'move', '--config', c.pg]);
    expect(noLedger.code).toBe(2);
    expect(noLedger.stderr).toContain('has no worker.ledger');
    const c2 = makeCase('usage2', await server.newDatabase());
    const missing = path.join(c2.dir, 'no-such-state');
    const noSource = await cli(['ledger', 'move', '--config', c2.pg, '--from', missing]);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toContain(`${missing} holds no file ledger`);
    expect(fs.existsSync(missing)).toBe(false);
  }, 60_000);
});

describe('runs on PostgreSQL', () => {
  test('runs lists and filters the PostgreSQL ledger a configuration names (worker.ledger), not the files', async () => {
    const url = await server.newDatabase();
    const c = makeCase('runs-pg', url);
    const pgLedger = await openPostgresLedger(url);
    try {
      await pgLedger.claim(run('acme', 'daily', 1, 'succeeded', { durationMs: 3000 }));
      await pgLedger.claim(run('acme', 'daily', 0, 'failed', { reason: 'SMTP refused' }));
      await pgLedger.claim(run('globex', 'weekly', 0, 'skipped', { reason: 'paused' }));
    } finally {
      await pgLedger.close();
    }
    // A file ledger in stateDir with another run: not what a configuration with worker.ledger lists.
    await new FileLedger(c.stateDir).claim(run('acme', 'weekly', 5, 'succeeded'));

    const all = await cli(['runs', '--config', c.pg]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 2));
    expect(lines).toEqual([['acme.daily.d1', 'succeeded'], ['acme.daily.d0', 'failed'], ['globex.weekly.d0', 'skipped']]);
    const failed = await cli(['runs', '--config', c.pg, '--status', 'failed', '--json']);
    expect(failed.stdout.trim().split('\n').map((l) => (JSON.parse(l) as RunRecord).id)).toEqual(['acme.daily.d0']);
    const acme = await cli(['runs', '--config', c.pg, '--customer', 'acme', '--limit', '1']);
    expect(acme.stdout).toContain('acme.daily.d0');
    expect(acme.stdout).not.toContain('acme.daily.d1');
    expect(acme.stderr).toContain('showing the newest 1 of 2 matching runs');
    const files = await cli(['runs', '--config', c.files]);
    expect(files.stdout).toContain('acme.weekly.d5');
    expect(files.stdout).not.toContain('acme.daily.d1');
  }, 60_000);
});
