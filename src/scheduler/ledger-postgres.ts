/**
 * The run ledger in PostgreSQL, shared by workers on several hosts (`worker.ledger: postgres://…`).
 *
 * The same contract as the file ledger (ledger-types.ts), with the database doing what files did: a claim is an
 * INSERT that one process wins (ON CONFLICT DO NOTHING), an update reads the run FOR UPDATE in a transaction so
 * no other update interleaves, watermarks move only forward (GREATEST in the upsert), re-sends are numbered by
 * a unique key, and a schedule's lease expires by the database's clock, so the hosts' clocks need not agree.
 * Every statement is a file in queries/ledger/; the schema is versioned (ledger-postgres-migrate.ts).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { LedgerDb, type PgOptions } from './ledger-postgres-db.js';
import { migrateLedger } from './ledger-postgres-migrate.js';
import {
  ALL_SCHEDULES, type AuditEntry, type Lease, type OutboxRecord, type Pause, type PruneResult, type Resend, type RunLedger, type RunPage, type RunQuery,
  type RunRecord, type RunStatus,
} from './ledger-types.js';

export type PostgresLedgerOptions = PgOptions;

/** The same key as the file ledger's: a recipient's records are found whatever the case of the address. */
const recipientKey = (recipient: string) => crypto.createHash('sha256').update(recipient.toLowerCase()).digest('hex').slice(0, 16);
const iso = (ms: number) => new Date(ms).toISOString();

/** The columns a run's record is also stored in, for filtering and ordering. */
function runColumns(r: RunRecord): unknown[] {
  return [r.id, r.customer, r.schedule, r.status, r.dueAt, r.finishedAt ?? null, JSON.stringify(r)];
}

/** Opens the ledger at `url` and brings its schema up to date (see migrateLedger for what is refused). */
export async function openPostgresLedger(url: string, opts: PostgresLedgerOptions = {}): Promise<PostgresLedger> {
  const db = new LedgerDb(url, opts);
  try {
    await migrateLedger(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return new PostgresLedger(db);
}

export class PostgresLedger implements RunLedger {
  readonly location: string;

  constructor(private readonly db: LedgerDb) {
    this.location = db.location;
  }

  async claim(record: RunRecord): Promise<boolean> {
    return (await this.db.rows('run_claim', runColumns(record))).length === 1;
  }

  async get(id: string): Promise<RunRecord | undefined> {
    return (await this.db.rows<{ record: RunRecord }>('run_get', [id], { retry: true }))[0]?.record;
  }

  async update(id: string, change: (r: RunRecord) => RunRecord): Promise<RunRecord> {
    return (await this.updateIf(id, change))!;
  }

  /**
   * The run is locked FOR UPDATE until the new record is written: other updates of it wait, on any host. A run
   * that is not there is an error, as in the file ledger (it was never claimed, or was pruned).
   */
  async updateIf(id: string, change: (r: RunRecord) => RunRecord | undefined): Promise<RunRecord | undefined> {
    return this.db.transaction('run_update', async (c) => {
      const current = (await this.db.rows<{ record: RunRecord }>('run_lock', [id], { on: c }))[0]?.record;
      if (!current) throw new Error(`no run ${id} in the ledger ${this.location}`);
      const next = change(current);
      if (next === undefined) return undefined;
      await this.db.rows('run_save', [id, ...runColumns(next).slice(1)], { on: c });
      return next;
    });
  }

  async list(filter: { customer?: string; status?: RunStatus } = {}): Promise<RunRecord[]> {
    const rows = await this.db.rows<{ record: RunRecord }>('runs_list', [filter.customer ?? null, filter.status ?? null], { retry: true });
    return rows.map((r) => r.record);
  }

  async query(q: RunQuery = {}): Promise<RunPage> {
    const params = [
      q.customer ?? null, q.customers ?? null, q.status ?? null, q.schedule ?? null, q.sinceMs === undefined ? null : iso(q.sinceMs),
      q.limit ?? null, q.offset ?? 0,
    ];
    const [row] = await this.db.rows<{ total: string; runs: RunRecord[] }>('runs_query', params, { retry: true });
    return { runs: row?.runs ?? [], total: Number(row?.total ?? 0) };
  }

  async outboxOf(runId: string, delivery?: string): Promise<OutboxRecord[]> {
    return (await this.db.rows<{ record: OutboxRecord }>('outbox_of', [runId, delivery ?? ''], { retry: true })).map((r) => r.record);
  }

  /** A re-send's messages get their own Message-ID: they are meant to arrive again, not to be taken for a copy. */
  async outbox(runId: string, recipient: string, delivery?: string): Promise<OutboxRecord> {
    const key = recipientKey(recipient);
    const found = (await this.db.rows<{ record: OutboxRecord }>('outbox_get', [runId, delivery ?? '', key], { retry: true }))[0]?.record;
    const messageId = `<${runId}${delivery ? `.${delivery}` : ''}.${key}@attack-report>`;
    return found ?? { runId, recipient, status: 'pending', attempts: 0, messageId, ...(delivery ? { delivery } : {}) };
  }

  async saveOutbox(record: OutboxRecord): Promise<void> {
    await this.db.rows('outbox_save', [record.runId, record.delivery ?? '', recipientKey(record.recipient), JSON.stringify(record)]);
  }

  async audit(entry: Omit<AuditEntry, 'at'>, atMs = Date.now()): Promise<AuditEntry> {
    const full: AuditEntry = { at: iso(atMs), ...entry };
    await this.db.rows('audit_insert', [full.at, full.customer ?? null, full.runId ?? null, JSON.stringify(full)]);
    return full;
  }

  async auditTrail(filter: { runId?: string; customer?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const rows = await this.db.rows<{ entry: AuditEntry }>('audit_trail', [filter.runId ?? null, filter.customer ?? null, filter.limit ?? null], { retry: true });
    return rows.map((r) => r.entry);
  }

  /** Two processes asking at once get two numbers: the loser of a number finds it taken and takes the next. */
  async startResend(runId: string, p: { by: string; recipients: string[] }, atMs = Date.now()): Promise<Resend> {
    const at = iso(atMs);
    for (let tries = 0; tries < 100; tries++) {
      const [row] = await this.db.rows<{ n: number }>('resend_start', [runId, at, p.by, JSON.stringify(p.recipients)]);
      if (row) return { runId, id: `resend-${row.n}`, at, by: p.by, recipients: p.recipients };
    }
    throw new Error(`could not number a re-send of ${runId} in ${this.location}: 100 other re-sends took each number first`);
  }

  async resends(runId: string): Promise<Resend[]> {
    return (await this.db.rows<{ record: Resend }>('resends_of', [runId], { retry: true })).map((r) => r.record);
  }

  async resend(runId: string, id: string): Promise<Resend | undefined> {
    const n = /^resend-(\d{1,6})$/.exec(id)?.[1];
    if (n === undefined) return undefined;
    return (await this.db.rows<{ record: Resend }>('resend_get', [runId, Number(n)], { retry: true }))[0]?.record;
  }

  async model<T>(runId: string): Promise<T | undefined> {
    return (await this.db.rows<{ model: T }>('model_get', [runId], { retry: true }))[0]?.model;
  }

  async saveModel(runId: string, model: unknown): Promise<void> {
    await this.db.rows('model_save', [runId, JSON.stringify(model)]);
  }

  /**
   * Each run goes in one statement that removes it only if it is still finished (a retry may have taken it up
   * since the listing), with its outbox, re-sends and model. A dry run counts the same records.
   */
  async prune(beforeMs: number, opts: { dryRun?: boolean } = {}): Promise<PruneResult> {
    const result: PruneResult = { runs: [], outboxRecords: 0, models: 0, resends: 0 };
    const candidates = await this.db.rows<{ id: string }>('prune_candidates', [iso(beforeMs)], { retry: true });
    for (const { id } of candidates) {
      if (opts.dryRun) {
        const [c] = await this.db.rows<{ outbox: string; resends: string; models: string }>('prune_count', [id], { retry: true });
        if (!c) continue;
        result.runs.push(id);
        result.outboxRecords += Number(c.outbox);
        result.resends += Number(c.resends);
        result.models += Number(c.models);
        continue;
      }
      const [d] = await this.db.rows<{ removed: string; outbox: string; resends: string; models: string }>('prune_run', [id]);
      if (!d || Number(d.removed) === 0) continue;
      result.runs.push(id);
      result.outboxRecords += Number(d.outbox);
      result.resends += Number(d.resends);
      result.models += Number(d.models);
    }
    return result;
  }

  async watermark(customer: string, schedule: string): Promise<number | undefined> {
    const [row] = await this.db.rows<{ at_ms: string }>('watermark_get', [customer, schedule], { retry: true });
    return row ? Number(row.at_ms) : undefined;
  }

  async setWatermark(customer: string, schedule: string, atMs: number): Promise<number> {
    const [row] = await this.db.rows<{ at_ms: string }>('watermark_set', [customer, schedule, Math.trunc(atMs)]);
    return Number(row!.at_ms);
  }

  async watermarks(): Promise<{ customer: string; schedule: string; atMs: number }[]> {
    const rows = await this.db.rows<{ customer: string; schedule: string; at_ms: string }>('watermarks_all', [], { retry: true });
    return rows.map((r) => ({ customer: r.customer, schedule: r.schedule, atMs: Number(r.at_ms) }));
  }

  async pause(p: { customer: string; schedule?: string; by: string; reason?: string }, atMs = Date.now()): Promise<Pause> {
    const record: Pause = { customer: p.customer, schedule: p.schedule ?? ALL_SCHEDULES, at: iso(atMs), by: p.by, ...(p.reason ? { reason: p.reason } : {}) };
    await this.db.rows('pause_set', [record.customer, record.schedule, JSON.stringify(record)]);
    return record;
  }

  async resume(customer: string, schedule?: string): Promise<boolean> {
    return (await this.db.rows('pause_delete', [customer, schedule ?? ALL_SCHEDULES])).length > 0;
  }

  async pausedBy(customer: string, schedule: string): Promise<Pause | undefined> {
    return (await this.db.rows<{ record: Pause }>('pause_by', [customer, schedule], { retry: true }))[0]?.record;
  }

  async pauses(): Promise<Pause[]> {
    return (await this.db.rows<{ record: Pause }>('pauses_all', [], { retry: true })).map((r) => r.record);
  }

  async lease(customer: string, schedule: string, leaseMs: number): Promise<Lease | null> {
    const owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(6).toString('hex')}`;
    const ms = Math.max(1, Math.ceil(leaseMs));
    const taken = await this.db.rows('lease_take', [customer, schedule, owner, ms]);
    if (taken.length === 0) return null;
    const db = this.db;
    return {
      owner,
      async renew() {
        return (await db.rows('lease_renew', [customer, schedule, owner, ms])).length > 0;
      },
      async release() {
        await db.rows('lease_release', [customer, schedule, owner]);
      },
    };
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
