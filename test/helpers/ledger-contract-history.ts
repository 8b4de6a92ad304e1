import { expect, test } from 'vitest';
import type { RunLedger, RunRecord, RunStatus } from '../../src/scheduler/ledger-types.js';

/** A run record for the tests: due at `dueAt`, everything else plain. */
export function runRecord(id: string, over: Partial<RunRecord> = {}): RunRecord {
  const dueAt = over.dueAt ?? '2026-03-01T00:00:00.000Z';
  return {
    id, customer: 'acme', schedule: 'daily', dueAt, window: { from: '2026-02-28T00:00:00.000Z', to: dueAt, timezone: 'UTC' },
    status: 'queued', attempts: 0, createdAt: dueAt, recipients: ['soc@acme.example'], ...over,
  };
}

/**
 * The part of the ledger contract that reads and removes history: the audit trail, history queries, stored
 * models, prune. Registered by ledgerContract (ledger-contract.ts) with its `fresh` ledger per test.
 */
export function historyContract(fresh: () => Promise<RunLedger>): void {
  test('the audit trail: oldest first, by run or customer, the newest `limit`', async () => {
    const l = await fresh();
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    const e1 = await l.audit({ by: 'alice', action: 'pause', customer: 'acme' }, t0);
    expect(e1).toEqual({ at: '2026-03-01T00:00:00.000Z', by: 'alice', action: 'pause', customer: 'acme' });
    await l.audit({ by: 'bob', action: 'retry', customer: 'acme', runId: 'r1' }, t0 + 1000);
    await l.audit({ by: 'carol', action: 'resend', customer: 'globex', runId: 'r2', detail: 'to a@x.example' }, t0 + 2000);
    await l.audit({ by: 'dave', action: 'resend', customer: 'acme', runId: 'r1' }, t0 + 3000);
    expect((await l.auditTrail()).map((e) => e.by)).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect((await l.auditTrail({ runId: 'r1' })).map((e) => e.by)).toEqual(['bob', 'dave']);
    expect((await l.auditTrail({ customer: 'acme' })).map((e) => e.by)).toEqual(['alice', 'bob', 'dave']);
    expect((await l.auditTrail({ limit: 2 })).map((e) => e.by)).toEqual(['carol', 'dave']);
    expect((await l.auditTrail({ customer: 'acme', limit: 1 })).map((e) => e.by)).toEqual(['dave']);
    expect((await l.auditTrail({ runId: 'r2' }))[0]).toEqual({ at: '2026-03-01T00:00:02.000Z', by: 'carol', action: 'resend', customer: 'globex', runId: 'r2', detail: 'to a@x.example' });
    expect(await l.auditTrail({ runId: 'none' })).toEqual([]);
  });

  test('the history: newest first, filtered, paged, with the total', async () => {
    const l = await fresh();
    const statuses: RunStatus[] = ['succeeded', 'failed', 'skipped', 'queued', 'running'];
    const made: RunRecord[] = [];
    for (let i = 0; i < 15; i++) {
      const customer = ['acme', 'globex', 'initech'][i % 3]!;
      const r = runRecord(`${customer}.${i % 2 ? 'weekly' : 'daily'}.${String(i).padStart(2, '0')}`, {
        customer, schedule: i % 2 ? 'weekly' : 'daily', status: statuses[i % 5]!, dueAt: new Date(Date.parse('2026-03-01T00:00:00Z') + i * 3_600_000).toISOString(),
      });
      made.push(r);
      await l.claim(r);
    }
    const newestFirst = [...made].reverse();
    const ids = (p: { runs: RunRecord[] }) => p.runs.map((r) => r.id);
    const all = await l.query();
    expect(all.total).toBe(15);
    expect(ids(all)).toEqual(newestFirst.map((r) => r.id));
    const page2 = await l.query({ limit: 4, offset: 4 });
    expect(page2.total).toBe(15);
    expect(ids(page2)).toEqual(newestFirst.slice(4, 8).map((r) => r.id));
    const beyond = await l.query({ limit: 4, offset: 40 });
    expect(beyond).toEqual({ runs: [], total: 15 });
    const acme = await l.query({ customer: 'acme', limit: 2 });
    expect(acme.total).toBe(5);
    expect(ids(acme)).toEqual(newestFirst.filter((r) => r.customer === 'acme').slice(0, 2).map((r) => r.id));
    const some = await l.query({ customers: ['globex', 'initech'] });
    expect(ids(some)).toEqual(newestFirst.filter((r) => r.customer !== 'acme').map((r) => r.id));
    expect((await l.query({ customers: [] })).total).toBe(0);
    expect(ids(await l.query({ status: 'failed' }))).toEqual(newestFirst.filter((r) => r.status === 'failed').map((r) => r.id));
    expect(ids(await l.query({ schedule: 'weekly', customer: 'globex' }))).toEqual(newestFirst.filter((r) => r.schedule === 'weekly' && r.customer === 'globex').map((r) => r.id));
    const since = Date.parse(made[10]!.dueAt);
    const recent = await l.query({ sinceMs: since });
    expect(ids(recent)).toEqual(newestFirst.slice(0, 5).map((r) => r.id)); // due at or after: made[10] included
    expect((await l.query({ sinceMs: since + 1 })).total).toBe(4);
    expect(await l.query({ customer: 'nobody' })).toEqual({ runs: [], total: 0 });
    expect((await l.query({ limit: 3 })).runs[0]).toEqual(newestFirst[0]);
  });

  test('report models are stored with their run', async () => {
    const l = await fresh();
    expect(await l.model('m1')).toBeUndefined();
    const model = { title: 'acme — last week', rows: [1, 2.5, 'três'], nested: { ok: true, none: null } };
    await l.saveModel('m1', model);
    expect(await l.model('m1')).toEqual(model);
    await l.saveModel('m1', { replaced: 1 });
    expect(await l.model('m1')).toEqual({ replaced: 1 });
  });

  test('prune removes finished runs with their records, never queued or running ones; a dry run removes nothing', async () => {
    const l = await fresh();
    const old = '2026-01-01T00:00:00.000Z';
    const cutoff = Date.parse('2026-02-01T00:00:00Z');
    await l.claim(runRecord('old.ok', { status: 'succeeded', dueAt: old, finishedAt: '2026-01-01T00:05:00.000Z' }));
    await l.claim(runRecord('old.skipped', { status: 'skipped', dueAt: old })); // no finish time: its due time counts
    await l.claim(runRecord('old.queued', { status: 'queued', dueAt: old }));
    await l.claim(runRecord('old.running', { status: 'running', dueAt: old, startedAt: old }));
    await l.claim(runRecord('late.finish', { status: 'failed', dueAt: old, finishedAt: '2026-02-02T00:00:00.000Z' }));
    await l.claim(runRecord('new.ok', { status: 'succeeded', dueAt: '2026-03-01T00:00:00.000Z', finishedAt: '2026-03-01T00:01:00.000Z' }));
    const o = await l.outbox('old.ok', 'a@x.example');
    await l.saveOutbox({ ...o, status: 'sent', attempts: 1 });
    await l.saveOutbox({ ...(await l.outbox('old.ok', 'b@x.example')), status: 'failed', attempts: 1 });
    const rs = await l.startResend('old.ok', { by: 'alice', recipients: ['a@x.example'] });
    await l.saveOutbox({ ...(await l.outbox('old.ok', 'a@x.example', rs.id)), status: 'sent', attempts: 1 });
    await l.saveModel('old.ok', { m: 1 });
    await l.saveModel('new.ok', { m: 2 });

    const dry = await l.prune(cutoff, { dryRun: true });
    expect([...dry.runs].sort()).toEqual(['old.ok', 'old.skipped']);
    expect(dry).toMatchObject({ outboxRecords: 3, resends: 1, models: 1 });
    expect(await l.get('old.ok')).toBeDefined();
    expect(await l.model('old.ok')).toEqual({ m: 1 });

    const done = await l.prune(cutoff);
    expect(done).toEqual(dry);
    for (const id of ['old.ok', 'old.skipped']) expect(await l.get(id)).toBeUndefined();
    expect(await l.outboxOf('old.ok')).toEqual([]);
    expect(await l.outboxOf('old.ok', rs.id)).toEqual([]);
    expect(await l.resends('old.ok')).toEqual([]);
    expect(await l.model('old.ok')).toBeUndefined();
    expect((await l.list()).map((r) => r.id).sort()).toEqual(['late.finish', 'new.ok', 'old.queued', 'old.running']);
    expect(await l.model('new.ok')).toEqual({ m: 2 });
    // Far in the future: still never the queued or running ones.
    const later = await l.prune(Date.parse('2030-01-01T00:00:00Z'));
    expect([...later.runs].sort()).toEqual(['late.finish', 'new.ok']);
    expect((await l.list()).map((r) => r.id).sort()).toEqual(['old.queued', 'old.running']);
    expect(await l.prune(Date.parse('2030-01-01T00:00:00Z'))).toEqual({ runs: [], outboxRecords: 0, models: 0, resends: 0 });
  });
}
