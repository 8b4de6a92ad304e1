/**
 * One run as an operator asks about it: its record (attempts, reason, artifacts) and each recipient's send
 * status from the outbox. One operation for every front end (`attack-report run ID` now; the API and web app next).
 */
import type { Ledger, OutboxRecord, RunRecord } from './ledger.js';

export interface RunDetails {
  run: RunRecord;
  /** One per recipient of the run, in the order of its recipients; `pending` when nothing was tried yet. */
  deliveries: OutboxRecord[];
}

export function runDetails(ledger: Ledger, id: string): RunDetails | undefined {
  const run = ledger.get(id);
  if (!run) return undefined;
  return { run, deliveries: run.recipients.map((r) => ledger.outbox(id, r)) };
}
