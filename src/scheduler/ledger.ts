/**
 * The run ledger and the outbox: a directory of small JSON files under the worker's state directory.
 *
 * Why files and not a ClickHouse table: the embedded engine admits one process per data directory, so a
 * ledger inside it could not be read by `attack-report runs` while the worker runs; and ClickHouse has no
 * unique keys or transactions, so it cannot claim a run exactly once (a ReplacingMergeTree deduplicates
 * eventually, not at insert). Files give both on any POSIX filesystem: a run is claimed by creating its
 * record with O_EXCL (exactly one creator wins, whatever the number of workers), every update is written to
 * a temporary file and renamed over the record (a crash leaves the old or the new record, never half of
 * one), and any process can read them. A read-modify-write (an update of a run, a watermark, a lease) is done
 * under a per-record mutex file (ledger-files.ts), so that two processes never interleave theirs.
 *
 *   runs/<run id>.json                    one per (schedule, window)
 *   outbox/<run id>/<recipient key>.json  one per (run, recipient): what was sent, so a retry never sends twice
 *   watermarks/<customer>.<schedule>.json the newest firing time already planned
 *   locks/<customer>.<schedule>.lock      the schedule's lease, held while a run of it executes: runs of one schedule never overlap
 *   locks/*.mutex                         short-lived: held while one process updates a run, a watermark or a lease
 *   outbox/<run id>/resend-<n>/<key>.json the same for each re-send of the run, so a re-send never sends twice either
 *   resends/<run id>/<n>.json             each re-send of a run: who asked, when, to whom
 *   models/<run id>.json                  the report model of an archived run, for a retry's or a re-send's emails
 *   paused/<customer>.<schedule or *>.json a pause of one schedule or of every schedule of a customer: who, when, why
 *   audit/<yyyy-mm>.jsonl                 the audit trail: one line per action a person or token took (who, what, when)
 *
 * All of it is owner-only (0700 directories, 0600 files): the records name customers and recipients, and the
 * models are whole reports.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { mkdirOwnerOnly, PRIVATE_FILE_MODE } from '../util/private-files.js';
import { acquireFileLease } from './file-lease.js';
import { createExclusive, filesIn, readJson, withMutex, writeAtomic } from './ledger-files.js';
import {
  ALL_SCHEDULES, FINISHED, type AuditEntry, type Lease, type OutboxRecord, type Pause, type PruneResult, type Resend, type RunLedger, type RunPage,
  type RunQuery, type RunRecord, type RunStatus,
} from './ledger-types.js';

export * from './ledger-types.js';

const recipientKey = (recipient: string) => crypto.createHash('sha256').update(recipient.toLowerCase()).digest('hex').slice(0, 16);

/** A watermark file: the instant, and (since leases) whose it is, since dots in ids make the file name ambiguous. */
interface WatermarkFile {
  at: string;
  customer?: string;
  schedule?: string;
}

export class FileLedger implements RunLedger {
  readonly location: string;

  constructor(readonly dir: string) {
    // Run records, outboxes and stored report models are customer data: owner-only, also in older state directories.
    mkdirOwnerOnly(dir, { tighten: true });
    for (const sub of ['runs', 'outbox', 'watermarks', 'locks', 'models', 'paused', 'audit', 'resends']) mkdirOwnerOnly(path.join(dir, sub), { tighten: true });
    this.location = dir;
  }

  private runFile(id: string): string {
    return path.join(this.dir, 'runs', `${id}.json`);
  }

  private mutex(name: string): string {
    return path.join(this.dir, 'locks', `${name}.mutex`);
  }

  /** Creates the run's record if no one has; returns false when it already exists (claimed before). */
  async claim(record: RunRecord): Promise<boolean> {
    return createExclusive(this.runFile(record.id), JSON.stringify(record, null, 2));
  }

  async get(id: string): Promise<RunRecord | undefined> {
    return readJson<RunRecord>(this.runFile(id));
  }

  /** Applies `change` to the run's record and writes it atomically, no other update of the run in between. */
  async update(id: string, change: (r: RunRecord) => RunRecord): Promise<RunRecord> {
    return (await this.updateIf(id, change))!;
  }

  /** As update; `change` returning undefined leaves the record as it is (and returns undefined). */
  async updateIf(id: string, change: (r: RunRecord) => RunRecord | undefined): Promise<RunRecord | undefined> {
    return withMutex(this.mutex(`run.${id}`), async () => {
      const current = await this.get(id);
      if (!current) throw new Error(`no run ${id} in the ledger`);
      const next = change(current);
      if (next !== undefined) await writeAtomic(this.runFile(id), next);
      return next;
    });
  }

  async list(filter: { customer?: string; status?: RunStatus } = {}): Promise<RunRecord[]> {
    const dir = path.join(this.dir, 'runs');
    const records = await Promise.all((await filesIn(dir, '.json')).map((f) => readJson<RunRecord>(path.join(dir, f))));
    return records
      .filter((r): r is RunRecord => r !== undefined)
      .filter((r) => (!filter.customer || r.customer === filter.customer) && (!filter.status || r.status === filter.status))
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id));
  }

  /** The run history newest first, filtered and paged: what `runs`, the API and the web app read. */
  async query(q: RunQuery = {}): Promise<RunPage> {
    const allowed = q.customers ? new Set(q.customers) : undefined;
    const matching = (await this.list({ customer: q.customer, status: q.status }))
      .filter((r) => (!allowed || allowed.has(r.customer)) && (!q.schedule || r.schedule === q.schedule) && (q.sinceMs === undefined || Date.parse(r.dueAt) >= q.sinceMs))
      .reverse();
    const offset = q.offset ?? 0;
    return { runs: matching.slice(offset, q.limit === undefined ? undefined : offset + q.limit), total: matching.length };
  }

  /**
   * The outbox records of a run's own delivery, one per recipient it was (or is being) sent to; with `delivery`,
   * those of that re-send instead.
   */
  async outboxOf(runId: string, delivery?: string): Promise<OutboxRecord[]> {
    const dir = this.outboxDir(runId, delivery);
    const records = await Promise.all((await filesIn(dir, '.json')).map((f) => readJson<OutboxRecord>(path.join(dir, f))));
    return records.filter((o): o is OutboxRecord => o !== undefined);
  }

  /** Appends one entry to the audit trail (one line, appended in one write: concurrent writers do not interleave). */
  async audit(entry: Omit<AuditEntry, 'at'>, atMs = Date.now()): Promise<AuditEntry> {
    const full: AuditEntry = { at: new Date(atMs).toISOString(), ...entry };
    const fh = await fsp.open(path.join(this.dir, 'audit', `${full.at.slice(0, 7)}.jsonl`), 'a', PRIVATE_FILE_MODE);
    try {
      await fh.write(`${JSON.stringify(full)}\n`);
    } finally {
      await fh.close();
    }
    return full;
  }

  /** The audit trail, oldest first, optionally of one run or customer, at most the newest `limit` entries. */
  async auditTrail(filter: { runId?: string; customer?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const dir = path.join(this.dir, 'audit');
    const entries: AuditEntry[] = [];
    for (const f of (await filesIn(dir, '.jsonl')).sort()) {
      for (const line of (await fsp.readFile(path.join(dir, f), 'utf8')).split('\n')) {
        if (!line.trim()) continue;
        let e: AuditEntry;
        try {
          e = JSON.parse(line) as AuditEntry;
        } catch {
          continue; // a line cut by a crash mid-write; the rest of the trail still reads
        }
        if ((!filter.runId || e.runId === filter.runId) && (!filter.customer || e.customer === filter.customer)) entries.push(e);
      }
    }
    return filter.limit === undefined ? entries : entries.slice(-filter.limit);
  }

  private outboxDir(runId: string, delivery: string | undefined): string {
    return delivery === undefined ? path.join(this.dir, 'outbox', runId) : path.join(this.dir, 'outbox', runId, delivery);
  }

  /**
   * The outbox record of one recipient of a run (or of one of its re-sends), `pending` when nothing was tried.
   * A re-send's messages get their own Message-ID: they are meant to arrive again, not to be taken for a copy.
   */
  async outbox(runId: string, recipient: string, delivery?: string): Promise<OutboxRecord> {
    const file = path.join(this.outboxDir(runId, delivery), `${recipientKey(recipient)}.json`);
    const messageId = `<${runId}${delivery ? `.${delivery}` : ''}.${recipientKey(recipient)}@attack-report>`;
    return (await readJson<OutboxRecord>(file)) ?? { runId, recipient, status: 'pending', attempts: 0, messageId, ...(delivery ? { delivery } : {}) };
  }

  async saveOutbox(record: OutboxRecord): Promise<void> {
    const dir = this.outboxDir(record.runId, record.delivery);
    mkdirOwnerOnly(dir);
    await writeAtomic(path.join(dir, `${recipientKey(record.recipient)}.json`), record);
  }

  /** Records a new re-send of a run and gives it the next id; two processes asking at once get two ids. */
  async startResend(runId: string, p: { by: string; recipients: string[] }, atMs = Date.now()): Promise<Resend> {
    const dir = path.join(this.dir, 'resends', runId);
    mkdirOwnerOnly(dir);
    for (let n = (await filesIn(dir, '.json')).filter((f) => /^\d+\.json$/.test(f)).length + 1; ; n++) {
      const resend: Resend = { runId, id: `resend-${n}`, at: new Date(atMs).toISOString(), by: p.by, recipients: p.recipients };
      if (await createExclusive(path.join(dir, `${n}.json`), JSON.stringify(resend, null, 2))) return resend;
    }
  }

  /** The re-sends of a run, oldest first. */
  async resends(runId: string): Promise<Resend[]> {
    const dir = path.join(this.dir, 'resends', runId);
    const names = (await filesIn(dir, '.json')).filter((f) => /^\d+\.json$/.test(f)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    return (await Promise.all(names.map((f) => readJson<Resend>(path.join(dir, f))))).filter((r): r is Resend => r !== undefined);
  }

  async resend(runId: string, id: string): Promise<Resend | undefined> {
    const n = /^resend-(\d{1,6})$/.exec(id)?.[1];
    return n === undefined ? undefined : readJson<Resend>(path.join(this.dir, 'resends', runId, `${Number(n)}.json`));
  }

  /** The report model stored with a run's archived artifacts, for a retry's or a re-send's emails. */
  async model<T>(runId: string): Promise<T | undefined> {
    return readJson<T>(path.join(this.dir, 'models', `${runId}.json`));
  }

  async saveModel(runId: string, model: unknown): Promise<void> {
    await writeAtomic(path.join(this.dir, 'models', `${runId}.json`), model, { compact: true });
  }

  /**
   * Removes the records (run, outboxes, re-sends, stored model) of every run that finished (succeeded, failed or
   * skipped) before `beforeMs`; a queued or running run is never removed. Each run is checked and removed under
   * its mutex, so a retry taking it up meanwhile keeps it; the run record goes last, so a prune cut short leaves
   * each run whole or findable by the next one. Archived report files are not the ledger's and stay.
   */
  async prune(beforeMs: number, opts: { dryRun?: boolean } = {}): Promise<PruneResult> {
    const result: PruneResult = { runs: [], outboxRecords: 0, models: 0, resends: 0 };
    const count = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.json')).length : 0);
    for (const r of await this.list()) {
      if (!FINISHED.has(r.status) || !(Date.parse(r.finishedAt ?? r.dueAt) < beforeMs)) continue;
      await withMutex(this.mutex(`run.${r.id}`), async () => {
        const now = await this.get(r.id);
        if (!now || !FINISHED.has(now.status)) return;
        const outbox = path.join(this.dir, 'outbox', r.id);
        const resends = path.join(this.dir, 'resends', r.id);
        const model = path.join(this.dir, 'models', `${r.id}.json`);
        result.runs.push(r.id);
        result.outboxRecords += count(outbox);
        result.resends += count(resends);
        result.models += fs.existsSync(model) ? 1 : 0;
        if (opts.dryRun) return;
        for (const p of [model, outbox, resends]) await fsp.rm(p, { recursive: true, force: true });
        await fsp.rm(this.runFile(r.id), { force: true });
      });
    }
    return result;
  }

  private watermarkFile(customer: string, schedule: string): string {
    return path.join(this.dir, 'watermarks', `${customer}.${schedule}.json`);
  }

  async watermark(customer: string, schedule: string): Promise<number | undefined> {
    const r = await readJson<WatermarkFile>(this.watermarkFile(customer, schedule));
    return r ? Date.parse(r.at) : undefined;
  }

  /** Moves the watermark forward to `atMs` (read, compare and write under its mutex); returns the watermark after. */
  async setWatermark(customer: string, schedule: string, atMs: number): Promise<number> {
    return withMutex(this.mutex(`watermark.${customer}.${schedule}`), async () => {
      const current = await this.watermark(customer, schedule);
      if (current !== undefined && current >= atMs) return current;
      await writeAtomic(this.watermarkFile(customer, schedule), { at: new Date(atMs).toISOString(), customer, schedule } satisfies WatermarkFile);
      return atMs;
    });
  }

  /**
   * Every watermark. A file written before watermarks named their schedule is read by its name, split at the
   * first dot (right unless the customer id itself has a dot).
   */
  async watermarks(): Promise<{ customer: string; schedule: string; atMs: number }[]> {
    const dir = path.join(this.dir, 'watermarks');
    const out: { customer: string; schedule: string; atMs: number }[] = [];
    for (const f of (await filesIn(dir, '.json')).sort()) {
      const w = await readJson<WatermarkFile>(path.join(dir, f));
      if (!w) continue;
      const [customer, schedule] = w.customer !== undefined && w.schedule !== undefined ? [w.customer, w.schedule] : splitName(f.slice(0, -'.json'.length));
      out.push({ customer, schedule, atMs: Date.parse(w.at) });
    }
    return out;
  }

  private pauseFile(customer: string, schedule: string | undefined): string {
    return path.join(this.dir, 'paused', `${customer}.${schedule ?? ALL_SCHEDULES}.json`);
  }

  /** Pauses one schedule, or every schedule of the customer when `schedule` is undefined. */
  async pause(p: { customer: string; schedule?: string; by: string; reason?: string }, atMs = Date.now()): Promise<Pause> {
    const record: Pause = { customer: p.customer, schedule: p.schedule ?? ALL_SCHEDULES, at: new Date(atMs).toISOString(), by: p.by, ...(p.reason ? { reason: p.reason } : {}) };
    await writeAtomic(this.pauseFile(p.customer, p.schedule), record);
    return record;
  }

  /** Lifts the pause of one schedule, or the customer-wide one; returns whether there was one. */
  async resume(customer: string, schedule?: string): Promise<boolean> {
    try {
      await fsp.rm(this.pauseFile(customer, schedule));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** The pause that holds a schedule: its own, else its customer's. */
  async pausedBy(customer: string, schedule: string): Promise<Pause | undefined> {
    return (await readJson<Pause>(this.pauseFile(customer, schedule))) ?? readJson<Pause>(this.pauseFile(customer, undefined));
  }

  /** Every pause in force, by customer then schedule. */
  async pauses(): Promise<Pause[]> {
    const dir = path.join(this.dir, 'paused');
    const all = await Promise.all((await filesIn(dir, '.json')).map((f) => readJson<Pause>(path.join(dir, f))));
    return all.filter((p): p is Pause => p !== undefined).sort((a, b) => a.customer.localeCompare(b.customer) || a.schedule.localeCompare(b.schedule));
  }

  /** The schedule's lease (file-lease.ts), or null while another owner holds an unexpired one. */
  async lease(customer: string, schedule: string, leaseMs: number): Promise<Lease | null> {
    return acquireFileLease(path.join(this.dir, 'locks', `${customer}.${schedule}.lock`), leaseMs);
  }

  /** Nothing to close: every operation opens and closes its own files. */
  async close(): Promise<void> {}
}

function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return dot < 0 ? [name, ''] : [name.slice(0, dot), name.slice(dot + 1)];
}
