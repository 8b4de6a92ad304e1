import { afterEach, describe, expect, test } from 'vitest';
import type { OutboxRecord, RunLedger } from '../../src/scheduler/ledger-types.js';
import { historyContract, runRecord } from './ledger-contract-history.js';
import { raceProcesses, type LedgerProcessSpec } from './ledger-processes.js';

export { runRecord } from './ledger-contract-history.js';
export type { LedgerProcessSpec } from './ledger-processes.js';

/** Polls `check` until it returns something other than null/undefined/false, or fails after `ms`. */
async function eventually<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The behaviour every RunLedger must have (the doc comments of ledger-types.ts), as vitest tests. `open` gives a
 * fresh, empty ledger for each test; `processes` says how a child process opens the same ledger, for the races
 * between processes (the compiled dist must be built: `npm test` builds it first).
 */
export function ledgerContract(name: string, open: () => Promise<RunLedger>, processes: (ledger: RunLedger) => LedgerProcessSpec): void {
  describe(`RunLedger contract: ${name}`, () => {
    const opened: RunLedger[] = [];
    const fresh = async () => {
      const l = await open();
      opened.push(l);
      return l;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((l) => l.close()));
    });

    historyContract(fresh);

    test('a run is claimed exactly once, also by concurrent callers', async () => {
      const l = await fresh();
      expect(await l.claim(runRecord('a.daily.1'))).toBe(true);
      expect(await l.claim(runRecord('a.daily.1', { status: 'running' }))).toBe(false);
      expect((await l.get('a.daily.1'))?.status).toBe('queued');
      const wins = await Promise.all(Array.from({ length: 10 }, () => l.claim(runRecord('a.daily.2'))));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await l.get('missing')).toBeUndefined();
    });

    test('a run is claimed exactly once when 5 processes race for it', async () => {
      const l = await fresh();
      const record = runRecord('acme.daily.raced');
      const results = await raceProcesses<{ claimed: boolean }>(processes(l), 5, 'claim', [JSON.stringify(record)]);
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      expect(await l.get(record.id)).toEqual(record);
    });

    test('update and updateIf: read-modify-write, conditional, missing runs', async () => {
      const l = await fresh();
      await l.claim(runRecord('r1'));
      const next = await l.update('r1', (r) => ({ ...r, status: 'running', attempts: r.attempts + 1, startedAt: '2026-03-01T00:00:01.000Z' }));
      expect(next).toMatchObject({ status: 'running', attempts: 1 });
      expect(await l.get('r1')).toEqual(next);
      expect(await l.updateIf('r1', () => undefined)).toBeUndefined();
      expect(await l.get('r1')).toEqual(next);
      const done = await l.updateIf('r1', (r) => (r.status === 'running' ? { ...r, status: 'succeeded', finishedAt: '2026-03-01T00:01:00.000Z' } : undefined));
      expect(done?.status).toBe('succeeded');
      expect((await l.list({ status: 'succeeded' })).map((r) => r.id)).toEqual(['r1']);
      // A run that is not there (never claimed, or pruned) is an error, not a silent no-op.
      await expect(l.update('nope', (r) => r)).rejects.toThrow(/no run nope/);
      await expect(l.updateIf('nope', (r) => r)).rejects.toThrow(/no run nope/);
      expect(await l.get('nope')).toBeUndefined();
    });

    test('updates never interleave: 8 processes x 20 increments count 160', async () => {
      const l = await fresh();
      await l.claim(runRecord('counter'));
      await raceProcesses(processes(l), 8, 'increment', ['counter', '20'], 80_000);
      expect((await l.get('counter'))?.attempts).toBe(160);
    }, 90_000);

    test('list: oldest due first then by id, by customer and status', async () => {
      const l = await fresh();
      await l.claim(runRecord('b', { dueAt: '2026-03-02T00:00:00.000Z' }));
      await l.claim(runRecord('a2', { dueAt: '2026-03-01T00:00:00.000Z', customer: 'globex' }));
      await l.claim(runRecord('a1', { dueAt: '2026-03-01T00:00:00.000Z', status: 'failed' }));
      expect((await l.list()).map((r) => r.id)).toEqual(['a1', 'a2', 'b']);
      expect((await l.list({ customer: 'acme' })).map((r) => r.id)).toEqual(['a1', 'b']);
      expect((await l.list({ customer: 'acme', status: 'failed' })).map((r) => r.id)).toEqual(['a1']);
      expect(await l.list({ status: 'running' })).toEqual([]);
    });

    test('a lease has one holder; it expires, is taken over, and the lost owner can neither renew nor release it', async () => {
      const l = await fresh();
      const first = await l.lease('acme', 'daily', 60_000);
      expect(first).not.toBeNull();
      expect(await l.lease('acme', 'daily', 60_000)).toBeNull();
      // Other schedules and customers are independent.
      expect(await l.lease('acme', 'weekly', 60_000)).not.toBeNull();
      expect(await l.lease('globex', 'daily', 60_000)).not.toBeNull();
      expect(await first!.renew()).toBe(true);
      await first!.release();
      const again = await l.lease('acme', 'daily', 400);
      expect(again).not.toBeNull();
      expect(again!.owner).not.toBe(first!.owner);
      // Unrenewed, it expires and another owner takes it.
      const taker = await eventually('the expired lease to be taken over', () => l.lease('acme', 'daily', 60_000));
      expect(taker.owner).not.toBe(again!.owner);
      expect(await again!.renew()).toBe(false);
      await again!.release(); // harmless: the lease is the taker's
      expect(await l.lease('acme', 'daily', 60_000)).toBeNull();
      expect(await taker.renew()).toBe(true);
      await taker.release();
      expect(await l.lease('acme', 'daily', 60_000)).not.toBeNull();
    });

    test('watermarks never move back, also under concurrent setters', async () => {
      const l = await fresh();
      expect(await l.watermark('acme', 'daily')).toBeUndefined();
      expect(await l.setWatermark('acme', 'daily', 2_000_000)).toBe(2_000_000);
      expect(await l.setWatermark('acme', 'daily', 1_000_000)).toBe(2_000_000);
      expect(await l.watermark('acme', 'daily')).toBe(2_000_000);
      expect(await l.setWatermark('acme', 'daily', 3_000_000)).toBe(3_000_000);
      const values = [5, 9, 1, 7, 3, 8, 2, 6, 4].map((n) => 1_700_000_000_000 + n * 60_000);
      await Promise.all(values.map((v) => l.setWatermark('acme', 'weekly', v)));
      expect(await l.watermark('acme', 'weekly')).toBe(Math.max(...values));
      expect(await l.watermarks()).toEqual(expect.arrayContaining([
        { customer: 'acme', schedule: 'daily', atMs: 3_000_000 },
        { customer: 'acme', schedule: 'weekly', atMs: Math.max(...values) },
      ]));
      expect(await l.watermarks()).toHaveLength(2);
    });

    test('outbox: pending until tried, then sending and sent or failed, per recipient and per delivery', async () => {
      const l = await fresh();
      await l.claim(runRecord('o1'));
      const fresh1 = await l.outbox('o1', 'Soc@Acme.example');
      expect(fresh1).toMatchObject({ runId: 'o1', recipient: 'Soc@Acme.example', status: 'pending', attempts: 0 });
      expect(fresh1.delivery).toBeUndefined();
      expect(await l.outboxOf('o1')).toEqual([]);
      await l.saveOutbox({ ...fresh1, status: 'sending', attempts: 1 });
      expect((await l.outbox('o1', 'soc@acme.example')).status).toBe('sending'); // the same recipient whatever the case
      const sent: OutboxRecord = { ...fresh1, status: 'sent', attempts: 1, mode: 'attachment', sentAt: '2026-03-01T00:02:00.000Z' };
      await l.saveOutbox(sent);
      const other = await l.outbox('o1', 'noc@acme.example');
      await l.saveOutbox({ ...other, status: 'failed', attempts: 3, error: '550 no such user' });
      expect((await l.outboxOf('o1')).map((o) => [o.recipient, o.status]).sort()).toEqual([['Soc@Acme.example', 'sent'], ['noc@acme.example', 'failed']]);
      expect(await l.outbox('o1', 'soc@acme.example')).toEqual(sent);
      // A re-send's records are its own, with their own Message-ID.
      const again = await l.outbox('o1', 'soc@acme.example', 'resend-1');
      expect(again).toMatchObject({ status: 'pending', delivery: 'resend-1' });
      expect(again.messageId).not.toBe(sent.messageId);
      expect(await l.outbox('o1', 'soc@acme.example')).toEqual(sent);
      await l.saveOutbox({ ...again, status: 'sent', attempts: 1 });
      expect((await l.outboxOf('o1', 'resend-1')).map((o) => o.status)).toEqual(['sent']);
      expect(await l.outboxOf('o1')).toHaveLength(2);
      expect(await l.outboxOf('o2')).toEqual([]);
    });

    test('re-sends are numbered in order, without gaps or repeats when raced by callers and processes', async () => {
      const l = await fresh();
      await l.claim(runRecord('s1', { status: 'succeeded' }));
      expect(await l.resends('s1')).toEqual([]);
      const one = await l.startResend('s1', { by: 'alice', recipients: ['a@x.example'] }, Date.parse('2026-03-02T00:00:00Z'));
      expect(one).toEqual({ runId: 's1', id: 'resend-1', at: '2026-03-02T00:00:00.000Z', by: 'alice', recipients: ['a@x.example'] });
      expect(await l.resend('s1', 'resend-1')).toEqual(one);
      expect(await l.resend('s1', 'resend-9')).toBeUndefined();
      expect(await l.resend('s1', 'bogus')).toBeUndefined();
      const inProcess = await Promise.all(Array.from({ length: 6 }, (_, i) => l.startResend('s1', { by: `caller ${i}`, recipients: [] })));
      const fromProcesses = await raceProcesses<{ ids: string[] }>(processes(l), 3, 'resend', ['s1', '3']);
      const ids = [one.id, ...inProcess.map((r) => r.id), ...fromProcesses.flatMap((r) => r.ids)];
      const expected = Array.from({ length: 1 + 6 + 9 }, (_, i) => `resend-${i + 1}`);
      expect([...ids].sort()).toEqual([...expected].sort());
      expect((await l.resends('s1')).map((r) => r.id)).toEqual(expected);
    });

    test('pause and resume a schedule or every schedule of a customer', async () => {
      const l = await fresh();
      expect(await l.pausedBy('acme', 'daily')).toBeUndefined();
      const own = await l.pause({ customer: 'acme', schedule: 'daily', by: 'alice', reason: 'maintenance' }, Date.parse('2026-03-01T10:00:00Z'));
      expect(own).toEqual({ customer: 'acme', schedule: 'daily', at: '2026-03-01T10:00:00.000Z', by: 'alice', reason: 'maintenance' });
      expect(await l.pausedBy('acme', 'daily')).toEqual(own);
      expect(await l.pausedBy('acme', 'weekly')).toBeUndefined();
      const all = await l.pause({ customer: 'acme', by: 'bob' }, Date.parse('2026-03-01T11:00:00Z'));
      expect(all).toEqual({ customer: 'acme', schedule: '*', at: '2026-03-01T11:00:00.000Z', by: 'bob' });
      expect(await l.pausedBy('acme', 'weekly')).toEqual(all);
      expect(await l.pausedBy('acme', 'daily')).toEqual(own); // its own pause first
      expect(await l.pausedBy('globex', 'daily')).toBeUndefined();
      expect(await l.pauses()).toHaveLength(2);
      expect(await l.pauses()).toEqual(expect.arrayContaining([own, all]));
      expect(await l.resume('acme', 'daily')).toBe(true);
      expect(await l.resume('acme', 'daily')).toBe(false);
      expect(await l.pausedBy('acme', 'daily')).toEqual(all);
      expect(await l.resume('acme')).toBe(true);
      expect(await l.pausedBy('acme', 'daily')).toBeUndefined();
      expect(await l.pauses()).toEqual([]);
    });

    test('records keep any text: control characters, NUL, quotes, non-Latin scripts, long strings', async () => {
      const l = await fresh();
      const odd = `nul\u0000 bell\u0007 tab\t "quoted" \\ back 'single' 中文 العربية 😀 ${'x'.repeat(70_000)}`;
      const r = runRecord('odd', { reason: odd });
      await l.claim(r);
      expect(await l.get('odd')).toEqual(r);
      expect((await l.update('odd', (x) => ({ ...x, reason: `${odd}!` }))).reason).toBe(`${odd}!`);
      expect((await l.get('odd'))?.reason).toBe(`${odd}!`);
      await l.saveModel('odd', { host: odd, list: [odd] });
      expect(await l.model('odd')).toEqual({ host: odd, list: [odd] });
      await l.audit({ by: 'alice', action: 'note', runId: 'odd', detail: odd });
      expect((await l.auditTrail({ runId: 'odd' }))[0]?.detail).toBe(odd);
      const o = await l.outbox('odd', 'a@x.example');
      await l.saveOutbox({ ...o, status: 'failed', attempts: 1, error: odd });
      expect((await l.outbox('odd', 'a@x.example')).error).toBe(odd);
      expect((await l.query({ customer: 'acme' })).runs[0]?.reason).toBe(`${odd}!`);
    });

    test('a conditional transition is won by exactly one of many concurrent callers', async () => {
      const l = await fresh();
      await l.claim(runRecord('t', { status: 'running', reason: 'owner gone', attempts: 1 }));
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        l.updateIf('t', (r) => (r.reason === 'owner gone' ? { ...r, reason: `taken over by ${i}`, attempts: r.attempts + 1 } : undefined))));
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect(await l.get('t')).toEqual(winners[0]);
      expect((await l.get('t'))?.attempts).toBe(2);
    });

  });
}
