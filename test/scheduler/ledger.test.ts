import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, runId, type RunRecord } from '../../src/scheduler/ledger.js';
import { pending } from '../../src/scheduler/worker.js';
import type { RunContext } from '../../src/scheduler/runner.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-ledger-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => new Ledger(path.join(root, `l${++n}`));

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
    const script = `import('${path.join(PACKAGE_ROOT, 'dist/src/scheduler/ledger.js')}').then(({ Ledger }) => process.stdout.write(String(new Ledger(${JSON.stringify(ledger.dir)}).claim(${JSON.stringify(record())}))))`;
    const results = await Promise.all(Array.from({ length: 8 }, () => new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', () => resolve(out));
    })));
    expect(results.filter((r) => r === 'true')).toHaveLength(1);
    expect(results.filter((r) => r === 'false')).toHaveLength(7);
  });

  it('updates by replacing the record whole, and filters listings', () => {
    const ledger = fresh();
    ledger.claim(record());
    ledger.claim(record({ id: 'globex.daily.x', customer: 'globex', status: 'skipped' }));
    ledger.update(record().id, (r) => ({ ...r, status: 'succeeded', attempts: 1 }));
    expect(ledger.get(record().id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(ledger.list({ status: 'skipped' }).map((r) => r.customer)).toEqual(['globex']);
    expect(ledger.list({ customer: 'acme' })).toHaveLength(1);
    expect(fs.readdirSync(path.join(ledger.dir, 'runs')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a schedule lock excludes a second holder and is broken when its holder process is gone', () => {
    const ledger = fresh();
    const first = ledger.lock('acme', 'daily', 60_000);
    expect(first).not.toBeNull();
    expect(ledger.lock('acme', 'daily', 60_000)).toBeNull();
    first!.release();
    // A lock left by a process that no longer exists.
    fs.writeFileSync(path.join(ledger.dir, 'locks', 'acme.daily.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), at: new Date().toISOString() }));
    expect(ledger.lock('acme', 'daily', 60_000)).not.toBeNull();
  });

  it('outbox records start pending with a stable Message-ID', () => {
    const ledger = fresh();
    const a = ledger.outbox('r1', 'Soc@Acme.example');
    expect(a).toMatchObject({ status: 'pending', attempts: 0 });
    ledger.saveOutbox({ ...a, status: 'sent' });
    expect(ledger.outbox('r1', 'soc@acme.example')).toMatchObject({ status: 'sent', messageId: a.messageId });
  });
});

describe('what is pending', () => {
  const ctxFor = (ledger: Ledger) => ({
    ledger,
    config: { worker: { stuckRunMinutes: 30, maxAttempts: 3, retryAfterMinutes: 10 }, customers: [{ id: 'acme', schedules: [{ name: 'daily', jitterSeconds: 600 }] }] },
  }) as unknown as RunContext;
  const due = Date.parse('2026-11-21T06:00:00Z');

  it('a queued run waits for its jitter, unless told to ignore it', () => {
    const ledger = fresh();
    ledger.claim(record());
    const ctx = ctxFor(ledger);
    expect(pending(ctx, due + 601_000, { ignoreJitter: false })).toHaveLength(1);
    expect(pending(ctx, due, { ignoreJitter: true })).toHaveLength(1);
    expect(pending(ctx, due - 1, { ignoreJitter: false })).toHaveLength(0);
  });

  it('a failed run is retried after a delay growing with its attempts, up to the limit; on-demand runs are not', () => {
    const ledger = fresh();
    const finished = Date.parse('2026-11-21T06:05:00Z');
    ledger.claim(record({ status: 'failed', attempts: 2, finishedAt: new Date(finished).toISOString() }));
    const ctx = ctxFor(ledger);
    expect(pending(ctx, due, { ignoreJitter: false }, finished + 19 * 60_000)).toHaveLength(0);
    expect(pending(ctx, due, { ignoreJitter: false }, finished + 20 * 60_000)).toHaveLength(1);
    ledger.update(record().id, (r) => ({ ...r, attempts: 3 }));
    expect(pending(ctx, due, { ignoreJitter: false }, finished + 99 * 60_000)).toHaveLength(0);
    ledger.update(record().id, (r) => ({ ...r, attempts: 1, onDemand: true }));
    expect(pending(ctx, due, { ignoreJitter: false }, finished + 99 * 60_000)).toHaveLength(0);
  });

  it('a run left running by a dead process is resumed; one silent past the stuck timeout is marked failed', () => {
    const ledger = fresh();
    const started = Date.parse('2026-11-21T06:01:00Z');
    ledger.claim(record({ status: 'running', attempts: 1, startedAt: new Date(started).toISOString(), heartbeatAt: new Date(started).toISOString(), owner: { pid: 2 ** 22 + 54321, host: os.hostname() } }));
    const ctx = ctxFor(ledger);
    expect(pending(ctx, due, { ignoreJitter: false }, started + 60_000).map((r) => r.id)).toEqual([record().id]);
    // Held by this (live) process but silent for 31 minutes: stuck.
    ledger.update(record().id, (r) => ({ ...r, owner: { pid: process.pid, host: os.hostname() } }));
    expect(pending(ctx, due, { ignoreJitter: false }, started + 31 * 60_000)).toHaveLength(0);
    expect(ledger.get(record().id)).toMatchObject({ status: 'failed', reason: 'stuck: no progress for 30 min' });
  });
});
