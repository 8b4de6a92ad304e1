/**
 * The run ledger and the outbox: a directory of small JSON files under the worker's state directory.
 *
 * Why files and not a ClickHouse table: the embedded engine admits one process per data directory, so a
 * ledger inside it could not be read by `attack-report runs` while the worker runs; and ClickHouse has no
 * unique keys or transactions, so it cannot claim a run exactly once (a ReplacingMergeTree deduplicates
 * eventually, not at insert). Files give both on any POSIX filesystem: a run is claimed by creating its
 * record with O_EXCL (exactly one creator wins, whatever the number of workers), every update is written to
 * a temporary file and renamed over the record (a crash leaves the old or the new record, never half of
 * one), and any process can read them.
 *
 *   runs/<run id>.json                    one per (schedule, window)
 *   outbox/<run id>/<recipient key>.json  one per (run, recipient): what was sent, so a retry never sends twice
 *   watermarks/<customer>.<schedule>.json the newest firing time already planned
 *   locks/<customer>.<schedule>.lock      held while a run of the schedule executes: runs of one schedule never overlap
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
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../util/process.js';
import { mkdirOwnerOnly, PRIVATE_FILE_MODE, writeOwnerOnlySync } from '../util/private-files.js';

import { ALL_SCHEDULES, FINISHED, type AuditEntry, type OutboxRecord, type Pause, type PruneResult, type Resend, type RunPage, type RunQuery, type RunRecord, type RunStatus } from './ledger-types.js';

export * from './ledger-types.js';

const recipientKey = (recipient: string) => crypto.createHash('sha256').update(recipient.toLowerCase()).digest('hex').slice(0, 16);

export class Ledger {
  constructor(readonly dir: string) {
    // Run records, outboxes and stored report models are customer data: owner-only, also in older state directories.
    mkdirOwnerOnly(dir, { tighten: true });
    for (const sub of ['runs', 'outbox', 'watermarks', 'locks', 'models', 'paused', 'audit', 'resends']) mkdirOwnerOnly(path.join(dir, sub), { tighten: true });
  }

  private runFile(id: string): string {
    return path.join(this.dir, 'runs', `${id}.json`);
  }

  /** Creates the run's record if no one has; returns false when it already exists (claimed before). */
  claim(record: RunRecord): boolean {
    try {
      writeOwnerOnlySync(this.runFile(record.id), JSON.stringify(record, null, 2), 'wx');
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  get(id: string): RunRecord | undefined {
    return readJson<RunRecord>(this.runFile(id));
  }

  /** Applies `change` to the run's record and writes it atomically. */
  update(id: string, change: (r: RunRecord) => RunRecord): RunRecord {
    const current = this.get(id);
    if (!current) throw new Error(`no run ${id} in the ledger`);
    const next = change(current);
    writeAtomic(this.runFile(id), next);
    return next;
  }

  list(filter: { customer?: string; status?: RunStatus } = {}): RunRecord[] {
    return fs
      .readdirSync(path.join(this.dir, 'runs'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => readJson<RunRecord>(path.join(this.dir, 'runs', f)))
      .filter((r): r is RunRecord => r !== undefined)
      .filter((r) => (!filter.customer || r.customer === filter.customer) && (!filter.status || r.status === filter.status))
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id));
  }

  /** The run history newest first, filtered and paged: what `runs`, the API and the web app read. */
  query(q: RunQuery = {}): RunPage {
    const allowed = q.customers ? new Set(q.customers) : undefined;
    const matching = this.list({ customer: q.customer, status: q.status })
      .filter((r) => (!allowed || allowed.has(r.customer)) && (!q.schedule || r.schedule === q.schedule) && (q.sinceMs === undefined || Date.parse(r.dueAt) >= q.sinceMs))
      .reverse();
    const offset = q.offset ?? 0;
    return { runs: matching.slice(offset, q.limit === undefined ? undefined : offset + q.limit), total: matching.length };
  }

  /**
   * The outbox records of a run's own delivery, one per recipient it was (or is being) sent to; with `delivery`,
   * those of that re-send instead.
   */
  outboxOf(runId: string, delivery?: string): OutboxRecord[] {
    const dir = this.outboxDir(runId, delivery);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => readJson<OutboxRecord>(path.join(dir, f))).filter((o): o is OutboxRecord => o !== undefined);
  }

  /** Appends one entry to the audit trail (one line, appended in one write: concurrent writers do not interleave). */
  audit(entry: Omit<AuditEntry, 'at'>, atMs = Date.now()): AuditEntry {
    const full: AuditEntry = { at: new Date(atMs).toISOString(), ...entry };
    const file = path.join(this.dir, 'audit', `${full.at.slice(0, 7)}.jsonl`);
    const fd = fs.openSync(file, 'a', PRIVATE_FILE_MODE);
    try {
      fs.writeSync(fd, `${JSON.stringify(full)}\n`);
    } finally {
      fs.closeSync(fd);
    }
    return full;
  }

  /** The audit trail, oldest first, optionally of one run or customer, at most the newest `limit` entries. */
  auditTrail(filter: { runId?: string; customer?: string; limit?: number } = {}): AuditEntry[] {
    const dir = path.join(this.dir, 'audit');
    const entries: AuditEntry[] = [];
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
      for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
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
  outbox(runId: string, recipient: string, delivery?: string): OutboxRecord {
    const file = path.join(this.outboxDir(runId, delivery), `${recipientKey(recipient)}.json`);
    const messageId = `<${runId}${delivery ? `.${delivery}` : ''}.${recipientKey(recipient)}@attack-report>`;
    return readJson<OutboxRecord>(file) ?? { runId, recipient, status: 'pending', attempts: 0, messageId, ...(delivery ? { delivery } : {}) };
  }

  saveOutbox(record: OutboxRecord): void {
    const dir = this.outboxDir(record.runId, record.delivery);
    mkdirOwnerOnly(dir);
    writeAtomic(path.join(dir, `${recipientKey(record.recipient)}.json`), record);
  }

  /** Records a new re-send of a run and gives it the next id; two processes asking at once get two ids. */
  startResend(runId: string, p: { by: string; recipients: string[] }, atMs = Date.now()): Resend {
    const dir = path.join(this.dir, 'resends', runId);
    mkdirOwnerOnly(dir);
    for (let n = fs.readdirSync(dir).filter((f) => /^\d+\.json$/.test(f)).length + 1; ; n++) {
      const resend: Resend = { runId, id: `resend-${n}`, at: new Date(atMs).toISOString(), by: p.by, recipients: p.recipients };
      try {
        writeOwnerOnlySync(path.join(dir, `${n}.json`), JSON.stringify(resend, null, 2), 'wx');
        return resend;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  /** The re-sends of a run, oldest first. */
  resends(runId: string): Resend[] {
    const dir = path.join(this.dir, 'resends', runId);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((f) => /^\d+\.json$/.test(f)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
      .map((f) => readJson<Resend>(path.join(dir, f))).filter((r): r is Resend => r !== undefined);
  }

  resend(runId: string, id: string): Resend | undefined {
    const n = /^resend-(\d{1,6})$/.exec(id)?.[1];
    return n === undefined ? undefined : readJson<Resend>(path.join(this.dir, 'resends', runId, `${Number(n)}.json`));
  }

  /** The report model stored with a run's archived artifacts, for a retry's or a re-send's emails. */
  model<T>(runId: string): T | undefined {
    return readJson<T>(path.join(this.dir, 'models', `${runId}.json`));
  }

  saveModel(runId: string, model: unknown): void {
    writeAtomic(path.join(this.dir, 'models', `${runId}.json`), model, { compact: true });
  }

  /**
   * Removes the records (run, outboxes, re-sends, stored model) of every run that finished (succeeded, failed or
   * skipped) before `beforeMs`; a queued or running run is never removed. The run record goes last, so a prune
   * cut short leaves each run whole or findable by the next one. Archived report files are not the ledger's and stay.
   */
  prune(beforeMs: number, opts: { dryRun?: boolean } = {}): PruneResult {
    const result: PruneResult = { runs: [], outboxRecords: 0, models: 0, resends: 0 };
    const count = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.json')).length : 0);
    for (const r of this.list()) {
      if (!FINISHED.has(r.status) || !(Date.parse(r.finishedAt ?? r.dueAt) < beforeMs)) continue;
      // Read again just before: a retry may have taken the run up since the listing.
      const now = this.get(r.id);
      if (!now || !FINISHED.has(now.status)) continue;
      const outbox = path.join(this.dir, 'outbox', r.id);
      const resends = path.join(this.dir, 'resends', r.id);
      const model = path.join(this.dir, 'models', `${r.id}.json`);
      result.runs.push(r.id);
      result.outboxRecords += count(outbox);
      result.resends += count(resends);
      result.models += fs.existsSync(model) ? 1 : 0;
      if (opts.dryRun) continue;
      for (const p of [model, outbox, resends]) fs.rmSync(p, { recursive: true, force: true });
      fs.rmSync(this.runFile(r.id), { force: true });
    }
    return result;
  }

  watermark(customer: string, schedule: string): number | undefined {
    const r = readJson<{ at: string }>(path.join(this.dir, 'watermarks', `${customer}.${schedule}.json`));
    return r ? Date.parse(r.at) : undefined;
  }

  setWatermark(customer: string, schedule: string, atMs: number): void {
    writeAtomic(path.join(this.dir, 'watermarks', `${customer}.${schedule}.json`), { at: new Date(atMs).toISOString() });
  }

  private pauseFile(customer: string, schedule: string | undefined): string {
    return path.join(this.dir, 'paused', `${customer}.${schedule ?? ALL_SCHEDULES}.json`);
  }

  /** Pauses one schedule, or every schedule of the customer when `schedule` is undefined. */
  pause(p: { customer: string; schedule?: string; by: string; reason?: string }, atMs = Date.now()): Pause {
    const record: Pause = { customer: p.customer, schedule: p.schedule ?? ALL_SCHEDULES, at: new Date(atMs).toISOString(), by: p.by, ...(p.reason ? { reason: p.reason } : {}) };
    writeAtomic(this.pauseFile(p.customer, p.schedule), record);
    return record;
  }

  /** Lifts the pause of one schedule, or the customer-wide one; returns whether there was one. */
  resume(customer: string, schedule?: string): boolean {
    const file = this.pauseFile(customer, schedule);
    if (!fs.existsSync(file)) return false;
    fs.rmSync(file);
    return true;
  }

  /** The pause that holds a schedule: its own, else its customer's. */
  pausedBy(customer: string, schedule: string): Pause | undefined {
    return readJson<Pause>(this.pauseFile(customer, schedule)) ?? readJson<Pause>(this.pauseFile(customer, undefined));
  }

  /**
   * Takes the schedule's lock, or returns null while another live process holds it. A lock whose holder is
   * gone (its process no longer exists on this host, or it is older than `staleMs`) is broken.
   */
  lock(customer: string, schedule: string, staleMs: number): { release(): void } | null {
    const file = path.join(this.dir, 'locks', `${customer}.${schedule}.lock`);
    const mine = { pid: process.pid, host: os.hostname(), at: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeOwnerOnlySync(file, JSON.stringify(mine), 'wx');
        return { release: () => fs.rmSync(file, { force: true }) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readJson<typeof mine>(file);
        const dead = !holder || (holder.host === mine.host && !processAlive(holder.pid)) || Date.now() - Date.parse(holder.at) > staleMs;
        if (!dead) return null;
        // Only one process wins the rename of a stale lock; the others find it gone and try again.
        try {
          fs.renameSync(file, `${file}.stale-${process.pid}`);
          fs.rmSync(`${file}.stale-${process.pid}`, { force: true });
        } catch {
          /* someone else broke it first */
        }
      }
    }
    return null;
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the ledger file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Write to a temporary file, flush, then rename over the target: readers see the old or the new content. */
function writeAtomic(file: string, value: unknown, opts: { compact?: boolean } = {}): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', PRIVATE_FILE_MODE);
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
    fs.writeSync(fd, opts.compact ? JSON.stringify(value) : JSON.stringify(value, null, 2));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
