import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLedger, runId, type RunRecord } from '../../src/scheduler/ledger.js';
import { pending } from '../../src/scheduler/worker.js';
import type { RunContext } from '../../src/scheduler/runner.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-ledger-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => new FileLedger(path.join(root, `l${++n}`));

const record = (over: Partial<RunRecord> = {}): RunRecord => ({
  id: runId('acme', 'daily', Date.parse('2026-11-20T00:00:00Z')), customer: 'acme', schedule: 'daily', dueAt: '2026-11-21T06:00:00.000Z',
  window: { from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z', timezone: 'UTC' }, status: 'queued', attempts: 0,
  createdAt: '2026-11-21T06:00:01.000Z', recipients: ['soc@acme.example'], ...over,
});

describe('run ledger', () => {
  it('run ids are stable for a schedule and window', () => {
    expect(runId('acme', 'daily', Date.parse('2026-11-20T00:00:00Z'))).toBe('acme.daily.20261120T000000Z');
  });

  it('claims a run once, across processes racing for it', async () => {
    const ledger = fresh();
    const script = `import('${path.join(PACKAGE_ROOT, 'dist/src/scheduler/ledger.js')}').then(({ FileLedger }) => new FileLedger(${JSON.stringify(ledger.dir)}).claim(${JSON.stringify(record())})).then((won) => process.stdout.write(String(won)))`;
    const results = await Promise.all(Array.from({ length: 8 }, () => new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', () => resolve(out));
    })));
    expect(results.filter((r) => r === 'true')).toHaveLength(1);
    expect(results.filter((r) => r === 'false')).toHaveLength(7);
  });

  it('updates by replacing the record whole, and filters listings', async () => {
    const ledger = fresh();
    await ledger.claim(record());
    await ledger.claim(record({ id: 'globex.daily.x', customer: 'globex', status: 'skipped' }));
    await ledger.update(record().id, (r) => ({ ...r, status: 'succeeded', attempts: 1 }));
    expect(await ledger.get(record().id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect((await ledger.list({ status: 'skipped' })).map((r) => r.customer)).toEqual(['globex']);
    expect(await ledger.list({ customer: 'acme' })).toHaveLength(1);
    expect(fs.readdirSync(path.join(ledger.dir, 'runs')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a schedule lease excludes a second holder until released or expired; an old-format lock file does not hold it', async () => {
    const ledger = fresh();
    const first = await ledger.lease('acme', 'daily', 60_000);
    expect(first).not.toBeNull();
    expect(await ledger.lease('acme', 'daily', 60_000)).toBeNull();
    // Another schedule is another lease.
    expect(await ledger.lease('acme', 'weekly', 60_000)).not.toBeNull();
    await first!.release();
    const second = await ledger.lease('acme', 'daily', 60_000);
    expect(second).not.toBeNull();
    expect(second!.owner).not.toBe(first!.owner);
    expect(second!.owner).toMatch(new RegExp(`^${os.hostname()}:${process.pid}:[0-9a-f]+$`));
    // The lock of an earlier version names a process, not an expiry: it does not hold the lease.
    await second!.release();
    fs.writeFileSync(path.join(ledger.dir, 'locks', 'acme.daily.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }));
    expect(await ledger.lease('acme', 'daily', 60_000)).not.toBeNull();
    // Nothing is left behind but the lease files.
    expect(fs.readdirSync(path.join(ledger.dir, 'locks')).filter((f) => !f.endsWith('.lock'))).toEqual([]);
  });

  it('updateIf changes a record only when asked to, and update of a missing run names it', async () => {
    const ledger = fresh();
    await ledger.claim(record());
    const before = fs.readFileSync(path.join(ledger.dir, 'runs', `${record().id}.json`), 'utf8');
    expect(await ledger.updateIf(record().id, () => undefined)).toBeUndefined();
    expect(fs.readFileSync(path.join(ledger.dir, 'runs', `${record().id}.json`), 'utf8')).toBe(before);
    expect(await ledger.updateIf(record().id, (r) => (r.status === 'queued' ? { ...r, status: 'running' } : undefined))).toMatchObject({ status: 'running' });
    expect(await ledger.updateIf(record().id, (r) => (r.status === 'queued' ? { ...r, status: 'running' } : undefined))).toBeUndefined();
    await expect(ledger.update('acme.daily.nope', (r) => r)).rejects.toThrow('no run acme.daily.nope in the ledger');
  });

  it('watermarks only move forward and are listed with their schedule; pauses are listed', async () => {
    const ledger = fresh();
    expect(await ledger.setWatermark('acme', 'daily', 2_000)).toBe(2_000);
    expect(await ledger.setWatermark('acme', 'daily', 1_000)).toBe(2_000);
    expect(await ledger.watermark('acme', 'daily')).toBe(2_000);
    expect(await ledger.setWatermark('acme', 'daily', 3_000)).toBe(3_000);
    // Ids with dots: the file name alone would be ambiguous, the record is not.
    await ledger.setWatermark('tenant_7.eu', 'daily.eu', 5_000);
    expect(await ledger.watermarks()).toEqual([{ customer: 'acme', schedule: 'daily', atMs: 3_000 }, { customer: 'tenant_7.eu', schedule: 'daily.eu', atMs: 5_000 }]);
    await ledger.pause({ customer: 'globex', by: 'alice' }, 1_000);
    await ledger.pause({ customer: 'acme', schedule: 'daily', by: 'bob', reason: 'migration' }, 2_000);
    expect(await ledger.pauses()).toEqual([
      { customer: 'acme', schedule: 'daily', by: 'bob', reason: 'migration', at: new Date(2_000).toISOString() },
      { customer: 'globex', schedule: '*', by: 'alice', at: new Date(1_000).toISOString() },
    ]);
    expect(ledger.location).toBe(ledger.dir);
  });

  it('outbox records start pending with a stable Message-ID', async () => {
    const ledger = fresh();
    const a = await ledger.outbox('r1', 'Soc@Acme.example');
    expect(a).toMatchObject({ status: 'pending', attempts: 0 });
    await ledger.saveOutbox({ ...a, status: 'sent' });
    expect(await ledger.outbox('r1', 'soc@acme.example')).toMatchObject({ status: 'sent', messageId: a.messageId });
  });
});

describe('what is pending', () => {
  const ctxFor = (ledger: FileLedger) => ({
    ledger, log: pino({ level: 'silent' }),
    config: { worker: { stuckRunMinutes: 30, maxAttempts: 3, retryAfterMinutes: 10, leaseSeconds: 60 }, customers: [{ id: 'acme', schedules: [{ name: 'daily', jitterSeconds: 600 }] }] },
  }) as unknown as RunContext;
  const due = Date.parse('2026-11-21T06:00:00Z');

  it('a queued run waits for its jitter, unless told to ignore it', async () => {
    const ledger = fresh();
    await ledger.claim(record());
    const ctx = ctxFor(ledger);
    expect(await pending(ctx, due + 601_000, { ignoreJitter: false })).toHaveLength(1);
    expect(await pending(ctx, due, { ignoreJitter: true })).toHaveLength(1);
    expect(await pending(ctx, due - 1, { ignoreJitter: false })).toHaveLength(0);
  });

  it('a failed run is retried after a delay growing with its attempts, up to the limit; on-demand runs are not', async () => {
    const ledger = fresh();
    const finished = Date.parse('2026-11-21T06:05:00Z');
    await ledger.claim(record({ status: 'failed', attempts: 2, finishedAt: new Date(finished).toISOString() }));
    const ctx = ctxFor(ledger);
    expect(await pending(ctx, due, { ignoreJitter: false }, finished + 19 * 60_000)).toHaveLength(0);
    expect(await pending(ctx, due, { ignoreJitter: false }, finished + 20 * 60_000)).toHaveLength(1);
    await ledger.update(record().id, (r) => ({ ...r, attempts: 3 }));
    expect(await pending(ctx, due, { ignoreJitter: false }, finished + 99 * 60_000)).toHaveLength(0);
    await ledger.update(record().id, (r) => ({ ...r, attempts: 1, onDemand: true }));
    expect(await pending(ctx, due, { ignoreJitter: false }, finished + 99 * 60_000)).toHaveLength(0);
  });

  it('a running run whose lease has passed is taken over (queued again) by exactly one of the workers looking; its owner\'s writes are refused', async () => {
    const ledger = fresh();
    const started = Date.parse('2026-11-21T06:01:00Z');
    const leaseUntil = started + 60_000;
    await ledger.claim(record({
      status: 'running', attempts: 1, startedAt: new Date(started).toISOString(), heartbeatAt: new Date(started).toISOString(),
      leaseUntil: new Date(leaseUntil).toISOString(), owner: 'elsewhere:4242:abcdef',
    }));
    const ctx = ctxFor(ledger);
    // Within the lease: the owner is alive as far as anyone can tell, whatever its host or process id.
    expect(await pending(ctx, due, { ignoreJitter: false }, leaseUntil - 1)).toHaveLength(0);
    expect(await ledger.get(record().id)).toMatchObject({ status: 'running' });
    // Past it: several workers look at once; one takes it over.
    const looks = await Promise.all(Array.from({ length: 4 }, () => pending(ctx, due, { ignoreJitter: false }, leaseUntil + 1)));
    expect(looks.map((l) => l.length).sort()).toEqual([0, 0, 0, 1]);
    expect(looks.flat()[0]).toMatchObject({ id: record().id, status: 'queued', attempts: 1, reason: expect.stringContaining('taken over: the lease of elsewhere:4242:abcdef expired') });
    // The old owner, back, cannot write it as its own.
    expect(await ledger.updateIf(record().id, (r) => (r.status === 'running' && r.owner === 'elsewhere:4242:abcdef' ? { ...r, status: 'succeeded' } : undefined))).toBeUndefined();
  });

  it('a run whose lease passed on its last attempt is recorded failed; a record of an earlier version expires a lease after its heartbeat', async () => {
    const ledger = fresh();
    const heartbeat = Date.parse('2026-11-21T06:10:00Z');
    // No leaseUntil, and the owner of an earlier version (a process id): its heartbeat plus the lease (60 s by default).
    await ledger.claim(record({ status: 'running', attempts: 3, startedAt: new Date(heartbeat).toISOString(), heartbeatAt: new Date(heartbeat).toISOString() }));
    const ctx = ctxFor(ledger);
    expect(await pending(ctx, due, { ignoreJitter: false }, heartbeat + 59_000)).toHaveLength(0);
    expect(await pending(ctx, due, { ignoreJitter: false }, heartbeat + 61_000)).toHaveLength(0);
    expect(await ledger.get(record().id)).toMatchObject({ status: 'failed', finishedAt: new Date(heartbeat + 61_000).toISOString(), reason: expect.stringContaining('its worker stopped during attempt 3 of 3') });
  });
});
