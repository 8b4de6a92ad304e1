/**
 * One run as an operator asks about it: its record (attempts, reason, artifacts), each recipient's send status
 * from the outbox, each re-send with its own recipients' status, and the run's audit trail (who retried or
 * re-sent it, when). One operation for every front end (`attack-report run ID`, the API and the web app).
 */
import type { AuditEntry, OutboxRecord, Resend, RunLedger, RunRecord } from './ledger-types.js';

export interface RunDetails {
  run: RunRecord;
  /** One per recipient of the run, in the order of its recipients; `pending` when nothing was tried yet. */
  deliveries: OutboxRecord[];
  /** Each re-send of the run's report, oldest first, with one outbox record per recipient of that re-send. */
  resends: (Resend & { deliveries: OutboxRecord[] })[];
  /** Actions taken on the run (retry, resend…), oldest first. */
  audit: AuditEntry[];
}

export async function runDetails(ledger: RunLedger, id: string): Promise<RunDetails | undefined> {
  const run = await ledger.get(id);
  if (!run) return undefined;
  return {
    run,
    deliveries: await Promise.all(run.recipients.map((r) => ledger.outbox(id, r))),
    resends: await Promise.all((await ledger.resends(id)).map(async (r) => ({ ...r, deliveries: await Promise.all(r.recipients.map((to) => ledger.outbox(id, to, r.id))) }))),
    audit: await ledger.auditTrail({ runId: id }),
  };
}
