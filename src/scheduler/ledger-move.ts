/**
 * Moving a file ledger (the JSON files under a worker's stateDir) into another ledger, PostgreSQL in practice,
 * through the RunLedger interface alone: runs are claimed, re-sends started and pauses and audit entries written
 * with their original times, watermarks set. Every kind of record is compared with what the target already holds
 * first, so a move cut short is finished by running it again, and a second move copies nothing.
 *
 * A move of a ledger in use would race its worker: the source is refused while any schedule's lease is held or
 * any run is `running` (a worker holds a run only under a lease; its run stays `running` until it finishes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJson } from './ledger-files.js';
import type { AuditEntry, RunLedger, RunRecord } from './ledger-types.js';

export const MOVED_KINDS = ['runs', 'resends', 'outbox', 'models', 'watermarks', 'pauses', 'audit'] as const;
export type MovedKind = (typeof MOVED_KINDS)[number];

/** Per kind of record: how many the source holds, how many were copied, how many the target had already. */
export type MoveCounts = Record<MovedKind, { source: number; copied: number; already: number }>;

/** Why a source cannot be moved now: a lease held or a run running, each named. */
export class MoveRefused extends Error {}

/** A schedule lease in a file ledger's locks/ directory still held (unexpired), with its owner. */
export interface HeldLease {
  schedule: string;
  owner: string;
  expiresAt: string;
}

/** The unexpired leases of a file ledger directory: a worker (on this host or one sharing the directory) holds them. */
export async function heldFileLeases(dir: string, nowMs = Date.now()): Promise<HeldLease[]> {
  const locks = path.join(dir, 'locks');
  const names = fs.existsSync(locks) ? fs.readdirSync(locks).filter((f) => f.endsWith('.lock')).sort() : [];
  const held: HeldLease[] = [];
  for (const f of names) {
    let lease: { owner?: unknown; expiresAt?: unknown } | undefined;
    try {
      lease = await readJson<{ owner?: unknown; expiresAt?: unknown }>(path.join(locks, f));
    } catch {
      continue; // unreadable: cut short by a crash, it proves no holder (file-lease.ts treats it the same)
    }
    if (typeof lease?.owner === 'string' && typeof lease.expiresAt === 'string' && Date.parse(lease.expiresAt) > nowMs) {
      held.push({ schedule: f.slice(0, -'.lock'.length), owner: lease.owner, expiresAt: lease.expiresAt });
    }
  }
  return held;
}

/** Refuses (MoveRefused) a source in use: a lease held, or a run running; both are named. */
export async function checkSourceIdle(sourceDir: string, source: RunLedger, nowMs = Date.now()): Promise<void> {
  const problems: string[] = [];
  for (const l of await heldFileLeases(sourceDir, nowMs)) problems.push(`the lease of ${l.schedule} is held by ${l.owner} until ${l.expiresAt}`);
  for (const r of await source.list({ status: 'running' })) {
    problems.push(`run ${r.id} is running${r.owner ? ` (owner ${r.owner}${r.leaseUntil ? `, lease until ${r.leaseUntil}` : ''})` : ''}`);
  }
  if (problems.length) {
    throw new MoveRefused(`${sourceDir} is in use, nothing was moved:\n  ${problems.join('\n  ')}\n` +
      'Stop every worker using it (and any `runs retry` or `runs resend` in progress), let running runs finish, then move again. ' +
      'A run left running by a worker that died is taken over and finished by the next worker started on these files once its lease has expired.');
  }
}

const auditKey = (e: AuditEntry) => JSON.stringify([e.at, e.by, e.action, e.customer ?? null, e.runId ?? null, e.detail ?? null]);
const emptyCounts = (): MoveCounts => Object.fromEntries(MOVED_KINDS.map((k) => [k, { source: 0, copied: 0, already: 0 }])) as MoveCounts;

export interface MoveProgress {
  (kind: MovedKind, done: number, total: number): void;
}

/**
 * Copies everything `source` holds into `target` that `target` does not hold yet; returns the counts per kind.
 * Re-sends are copied before outbox records (a re-send's deliveries belong to it), runs before both.
 */
export async function moveLedger(source: RunLedger, target: RunLedger, onProgress: MoveProgress = () => undefined): Promise<MoveCounts> {
  const counts = emptyCounts();
  const tally = (kind: MovedKind, copied: boolean) => {
    counts[kind].source++;
    counts[kind][copied ? 'copied' : 'already']++;
  };
  const runs = await source.list();
  let done = 0;
  for (const run of runs) {
    tally('runs', await target.claim(run));
    await moveRunRecords(source, target, run, tally);
    onProgress('runs', ++done, runs.length);
  }

  const watermarks = await source.watermarks();
  for (const w of watermarks) {
    const there = await target.watermark(w.customer, w.schedule);
    if (there === undefined || there < w.atMs) await target.setWatermark(w.customer, w.schedule, w.atMs);
    tally('watermarks', there === undefined || there < w.atMs);
  }
  onProgress('watermarks', watermarks.length, watermarks.length);

  const pausesThere = new Set((await target.pauses()).map((p) => `${p.customer}\u0000${p.schedule}`));
  const pauses = await source.pauses();
  for (const p of pauses) {
    const copy = !pausesThere.has(`${p.customer}\u0000${p.schedule}`);
    if (copy) await target.pause({ customer: p.customer, ...(p.schedule === '*' ? {} : { schedule: p.schedule }), by: p.by, ...(p.reason ? { reason: p.reason } : {}) }, Date.parse(p.at));
    tally('pauses', copy);
  }
  onProgress('pauses', pauses.length, pauses.length);

  // Audit entries have no id: an entry is there when the target holds as many identical ones (same instant, actor, action…).
  const trailThere = new Map<string, number>();
  for (const e of await target.auditTrail()) trailThere.set(auditKey(e), (trailThere.get(auditKey(e)) ?? 0) + 1);
  const trail = await source.auditTrail();
  done = 0;
  for (const e of trail) {
    const left = trailThere.get(auditKey(e)) ?? 0;
    if (left > 0) trailThere.set(auditKey(e), left - 1);
    else {
      const { at, ...rest } = e;
      await target.audit(Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Omit<AuditEntry, 'at'>, Date.parse(at));
    }
    tally('audit', left === 0);
    if (++done % 100 === 0 || done === trail.length) onProgress('audit', done, trail.length);
  }
  return counts;
}

/** A run's re-sends, outbox records (its own delivery's and each re-send's) and stored model. */
async function moveRunRecords(source: RunLedger, target: RunLedger, run: RunRecord, tally: (kind: MovedKind, copied: boolean) => void): Promise<void> {
  const resends = await source.resends(run.id);
  const resendsThere = await target.resends(run.id);
  for (const [i, r] of resends.entries()) {
    const there = resendsThere[i];
    if (there) {
      if (there.id !== r.id) throw new Error(`run ${run.id}: re-send ${r.id} of the source is ${there.id} in ${target.location}; the target's re-sends of this run differ from the source's`);
      tally('resends', false);
      continue;
    }
    const made = await target.startResend(run.id, { by: r.by, recipients: r.recipients }, Date.parse(r.at));
    // Numbering is without gaps in both ledgers, so the copies take the source's ids in order.
    if (made.id !== r.id) throw new Error(`run ${run.id}: re-send ${r.id} was numbered ${made.id} in ${target.location}`);
    tally('resends', true);
  }
  for (const delivery of [undefined, ...resends.map((r) => r.id)]) {
    const there = new Set((await target.outboxOf(run.id, delivery)).map((o) => o.recipient.toLowerCase()));
    for (const o of await source.outboxOf(run.id, delivery)) {
      const copy = !there.has(o.recipient.toLowerCase());
      if (copy) await target.saveOutbox(o);
      tally('outbox', copy);
    }
  }
  const model = await source.model<unknown>(run.id);
  if (model !== undefined) {
    const copy = (await target.model<unknown>(run.id)) === undefined;
    if (copy) await target.saveModel(run.id, model);
    tally('models', copy);
  }
}

/**
 * Checks that `target` holds every record of `source` (read back, not counted from what was written); returns
 * the problems found, empty when the move is complete.
 */
export async function verifyMove(source: RunLedger, target: RunLedger): Promise<string[]> {
  const problems: string[] = [];
  for (const run of await source.list()) {
    if (!(await target.get(run.id))) {
      problems.push(`run ${run.id} is missing`);
      continue;
    }
    const resends = await source.resends(run.id);
    if ((await target.resends(run.id)).length < resends.length) problems.push(`run ${run.id}: re-sends missing`);
    for (const delivery of [undefined, ...resends.map((r) => r.id)]) {
      const there = new Set((await target.outboxOf(run.id, delivery)).map((o) => o.recipient.toLowerCase()));
      for (const o of await source.outboxOf(run.id, delivery)) if (!there.has(o.recipient.toLowerCase())) problems.push(`run ${run.id}: outbox of ${o.recipient}${delivery ? ` (${delivery})` : ''} missing`);
    }
    if ((await source.model(run.id)) !== undefined && (await target.model(run.id)) === undefined) problems.push(`run ${run.id}: stored model missing`);
  }
  for (const w of await source.watermarks()) if (((await target.watermark(w.customer, w.schedule)) ?? -Infinity) < w.atMs) problems.push(`watermark of ${w.customer}/${w.schedule} behind`);
  const pauses = new Set((await target.pauses()).map((p) => `${p.customer}\u0000${p.schedule}`));
  for (const p of await source.pauses()) if (!pauses.has(`${p.customer}\u0000${p.schedule}`)) problems.push(`pause of ${p.customer}/${p.schedule} missing`);
  const trail = new Map<string, number>();
  for (const e of await target.auditTrail()) trail.set(auditKey(e), (trail.get(auditKey(e)) ?? 0) + 1);
  let missing = 0;
  for (const e of await source.auditTrail()) {
    const left = trail.get(auditKey(e)) ?? 0;
    if (left > 0) trail.set(auditKey(e), left - 1);
    else missing++;
  }
  if (missing) problems.push(`${missing} audit entries missing`);
  return problems;
}
