/**
 * The file ledger's leases and read-modify-writes under contention from separate processes (the compiled
 * dist/, as workers run it): a lease is held by exactly one owner while valid and taken by exactly one other once
 * expired; a lost owner can neither renew nor release it; updates of one run never interleave; a watermark never
 * moves back. Then a worker's hold on a run (run-hold.ts): its heartbeat, the stuck timeout, and a loser that
 * stops writing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLedger, runId, type RunRecord } from '../../src/scheduler/ledger.js';
import { holdRun } from '../../src/scheduler/run-hold.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-lease-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const dir = path.join(root, `l${++n}`);
  new FileLedger(dir);
  return dir;
};
const DIST = path.join(PACKAGE_ROOT, 'dist', 'src', 'scheduler', 'ledger.js');

/**
 * Runs `script` in `count` node processes at once, each with `ledger` (a FileLedger over `dir`) and `i` (its
 * index); each waits for a common start instant first, so that they contend rather than run one after another.
 * Resolves with what each printed.
 */
function race(count: number, dir: string, script: string): Promise<string[]> {
  const startAt = Date.now() + 1_500;
  return Promise.all(Array.from({ length: count }, (_, i) => new Promise<string>((resolve, reject) => {
    const body = `const { FileLedger } = await import(${JSON.stringify(DIST)}); const ledger = new FileLedger(${JSON.stringify(dir)}); const i = ${i};
      while (Date.now() < ${startAt}) await new Promise((r) => setTimeout(r, 5));
      ${script}`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', body], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child ${i} exited ${code}: ${err}`))));
  })));
}

const leaseFile = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'locks', 'acme.daily.lock'), 'utf8')) as { owner: string; expiresAt: string };

/** Resolves once `cond` holds, polling; fails after `ms`. */
async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const record = (over: Partial<RunRecord> = {}): RunRecord => ({
  id: runId('acme', 'daily', Date.parse('2026-11-20T00:00:00Z')), customer: 'acme', schedule: 'daily', dueAt: '2026-11-21T06:00:00.000Z',
  window: { from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z', timezone: 'UTC' }, status: 'queued', attempts: 0,
  createdAt: '2026-11-21T06:00:01.000Z', recipients: ['soc@acme.example'], ...over,
});

describe('leases raced by processes', () => {
  it('exactly one of 8 processes takes a free lease; after it expires unrenewed exactly one other takes it; the lost owner can neither renew nor release it', async () => {
    const dir = freshDir();
    // Each process takes the lease for 4 s (or not) and exits without releasing it: a holder that vanished.
    const take = `const l = await ledger.lease('acme', 'daily', 4000); process.stdout.write(l ? l.owner : 'none');`;
    const first = await race(8, dir, take);
    const winners = first.filter((o) => o !== 'none');
    expect(winners).toHaveLength(1);
    expect(leaseFile(dir).owner).toBe(winners[0]);
    const ledger = new FileLedger(dir);
    // Still valid: nobody else gets it, in this process either.
    if (Date.now() < Date.parse(leaseFile(dir).expiresAt) - 200) expect(await ledger.lease('acme', 'daily', 4_000)).toBeNull();

    await until(() => Date.now() > Date.parse(leaseFile(dir).expiresAt), 10_000, 'the lease to expire');
    // Expired and not renewed: of 8 more processes exactly one takes it (each holds it for a minute and says
    // whether its renewal works), and it is a new owner.
    const second = await race(8, dir, `const l = await ledger.lease('acme', 'daily', 60000); process.stdout.write(l ? l.owner + ' ' + (await l.renew()) : 'none');`);
    const taken = second.filter((o) => o !== 'none');
    expect(taken).toHaveLength(1);
    const [newOwner, renewed] = taken[0]!.split(' ');
    expect(renewed).toBe('true');
    expect(newOwner).not.toBe(winners[0]);
    expect(leaseFile(dir).owner).toBe(newOwner);
    expect(await ledger.lease('acme', 'daily', 60_000)).toBeNull();
  }, 60_000);

  it('a lease lost while its owner was away: renew answers false, release leaves the new holder, the winner renews', async () => {
    const dir = freshDir();
    const ledger = new FileLedger(dir);
    const lost = (await ledger.lease('acme', 'daily', 300))!;
    expect(await lost.renew()).toBe(true);
    await until(() => Date.now() > Date.parse(leaseFile(dir).expiresAt), 5_000, 'the lease to expire');
    // Another process takes the expired lease.
    const [holder] = await race(1, dir, `const l = await ledger.lease('acme', 'daily', 60000); process.stdout.write(l ? l.owner : 'none');`);
    expect(holder).not.toBe('none');
    expect(await lost.renew()).toBe(false);
    await lost.release();
    expect(leaseFile(dir)).toMatchObject({ owner: holder });
    expect(await ledger.lease('acme', 'daily', 60_000)).toBeNull();
    // An expired lease that nobody took is still its owner's to renew.
    const idle = (await ledger.lease('acme', 'weekly', 200))!;
    await new Promise((r) => setTimeout(r, 300));
    expect(await idle.renew()).toBe(true);
    await idle.release();
    expect(fs.existsSync(path.join(dir, 'locks', 'acme.weekly.lock'))).toBe(false);
  }, 30_000);
});

describe('read-modify-writes raced by processes', () => {
  it('8 processes x 20 updateIf of one run: every increment lands (160), and a refused change writes nothing', async () => {
    const dir = freshDir();
    const ledger = new FileLedger(dir);
    await ledger.claim(record());
    // Each increments attempts 20 times, and 20 times asks for a change it then refuses (which must not write).
    const out = await race(8, dir, `let refused = 0;
      for (let k = 0; k < 20; k++) {
        await ledger.updateIf(${JSON.stringify(record().id)}, (r) => ({ ...r, attempts: r.attempts + 1 }));
        if ((await ledger.updateIf(${JSON.stringify(record().id)}, (r) => (r.attempts < 0 ? { ...r, status: 'failed' } : undefined))) === undefined) refused++;
      }
      process.stdout.write(String(refused));`);
    expect(out).toEqual(Array(8).fill('20'));
    expect(await ledger.get(record().id)).toMatchObject({ attempts: 160, status: 'queued' });
    // No mutex or temporary file is left behind.
    expect(fs.readdirSync(path.join(dir, 'locks'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'runs'))).toEqual([`${record().id}.json`]);
  }, 60_000);

  it('watermarks set by 8 processes at once never move back: each sees a non-decreasing value, the last is the highest', async () => {
    const dir = freshDir();
    // Process i sets i*1000 + k*10 for k = 0..19 in a shuffled order; each answer must be at least what it asked
    // and never below an earlier answer.
    const out = await race(8, dir, `const values = Array.from({ length: 20 }, (_, k) => i * 1000 + k * 10).sort(() => Math.random() - 0.5);
      let last = -1; let ok = true;
      for (const v of values) { const after = await ledger.setWatermark('acme', 'daily', v); ok = ok && after >= v && after >= last; last = after; }
      process.stdout.write(String(ok));`);
    expect(out).toEqual(Array(8).fill('true'));
    const ledger = new FileLedger(dir);
    expect(await ledger.watermark('acme', 'daily')).toBe(7 * 1000 + 19 * 10);
    expect(await ledger.setWatermark('acme', 'daily', 0)).toBe(7190);
  }, 60_000);
});

describe("a worker's hold on a run", () => {
  const log = pino({ level: 'silent' });
  const start = async (ledger: FileLedger, leaseMs: number) => {
    const lease = (await ledger.lease('acme', 'daily', leaseMs))!;
    const now = Date.now();
    await ledger.claim(record({ status: 'running', attempts: 1, owner: lease.owner, startedAt: new Date(now).toISOString(), leaseUntil: new Date(now + leaseMs).toISOString() }));
    return { lease, startedMs: now };
  };

  it('its heartbeat renews the lease and the record; a run taken over meanwhile is lost, and its owner writes nothing more', async () => {
    const ledger = new FileLedger(freshDir());
    const { lease, startedMs } = await start(ledger, 5_000);
    const hold = holdRun(ledger, lease, record().id, { leaseMs: 5_000, stuckMs: 600_000, stuckMinutes: 10, startedMs, log });
    try {
      const first = (await ledger.get(record().id))!.leaseUntil!;
      await until(async () => (await ledger.get(record().id))!.leaseUntil! > first, 10_000, 'a heartbeat');
      expect((await ledger.get(record().id))!.heartbeatAt).toBeDefined();
      expect(await hold.holds()).toBe(true);
      // Another worker takes the run over (as pending does once a lease has passed).
      await ledger.update(record().id, (r) => ({ ...r, status: 'queued', reason: 'taken over' }));
      expect(await hold.write((r) => ({ ...r, status: 'succeeded' }))).toBeUndefined();
      await expect(hold.lost).resolves.toBe('the run was taken over by another worker');
      expect(await hold.holds()).toBe(false);
      expect(await ledger.get(record().id)).toMatchObject({ status: 'queued', reason: 'taken over' });
    } finally {
      hold.stop();
      await lease.release();
    }
  }, 30_000);

  it('a run past its stuck timeout is recorded failed by its own heartbeat and given up', async () => {
    const ledger = new FileLedger(freshDir());
    const { lease, startedMs } = await start(ledger, 5_000);
    const hold = holdRun(ledger, lease, record().id, { leaseMs: 5_000, stuckMs: 0, stuckMinutes: 0, startedMs, log });
    try {
      await expect(hold.lost).resolves.toBe('stuck: still running after 0 min');
      expect(await ledger.get(record().id)).toMatchObject({ status: 'failed', reason: 'stuck: still running after 0 min; given up' });
      expect(await hold.write((r) => ({ ...r, status: 'succeeded' }))).toBeUndefined();
    } finally {
      hold.stop();
      await lease.release();
    }
  }, 30_000);
});
