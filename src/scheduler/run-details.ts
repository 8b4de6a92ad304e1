/**
 * One run as an operator asks about it: its record (attempts, reason, artifacts), each recipient's send status
 * from the outbox, each re-send with its own recipients' status, and the run's audit trail (who retried or
 * re-sent it, when). One operation for every front end (`attack-report run ID`, the API and the web app).
 */
import type { AuditEntry, Ledger, OutboxRecord, Resend, RunRecord } from './ledger.js';

export interface RunDetails {
  run: RunRecord;
  /** One per recipient of the run, in the order of its recipients; `pending` when nothing was tried yet. */
  deliveries: OutboxRecord[];
  /** Each re-send of the run's report, oldest first, with one outbox record per recipient of that re-send. */
  resends: (Resend & { deliveries: OutboxRecord[] })[];
  /** Actions taken on the run (retry, resend…), oldest first. */
  audit: AuditEntry[];
}

export function runDetails(ledger: Ledger, id: string): RunDetails | undefined {
  const run = ledger.get(id);
  if (!run) return undefined;
  return {
    run,
    deliveries: run.recipients.map((r) => ledger.outbox(id, r)),
    resends: ledger.resends(id).map((r) => ({ ...r, deliveries: r.recipients.map((to) => ledger.outbox(id, to, r.id)) })),
    audit: ledger.auditTrail({ runId: id }),
  };
}
