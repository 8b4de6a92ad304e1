/**
 * Pausing and resuming schedules: one operation for the CLI (`pause`, `resume`), the API and the web app. It
 * checks what it is asked (the schedule exists, the reason is one short line), records the pause in the ledger
 * and the action in the audit trail.
 */
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Pause, RunLedger } from './ledger-types.js';

export const MAX_PAUSE_REASON = 200;

/** A pause or resume refused: `not-found` (no such customer or schedule), `invalid` (the reason), `not-paused`. */
export class PauseRefused extends UsageError {
  constructor(message: string, readonly kind: 'not-found' | 'invalid' | 'not-paused') {
    super(message);
  }
}

function checkTarget(config: Config, customer: string, schedule: string | undefined): void {
  const cu = config.customers.find((c) => c.id === customer);
  if (!cu) throw new PauseRefused(`no customer ${JSON.stringify(customer)}`, 'not-found');
  if (schedule !== undefined && !cu.schedules.some((s) => s.name === schedule)) {
    throw new PauseRefused(`${JSON.stringify(schedule)} is not a schedule of ${customer} (${cu.schedules.map((s) => s.name).join(', ') || 'none'})`, 'not-found');
  }
}

/** Pauses one schedule, or every schedule of the customer when `schedule` is undefined. */
export async function pauseSchedule(ledger: RunLedger, config: Config, p: { customer: string; schedule?: string; by: string; reason?: string }, nowMs = Date.now()): Promise<Pause> {
  checkTarget(config, p.customer, p.schedule);
  // The reason is shown in listings, logs and every skipped run's reason: one short line.
  if (p.reason !== undefined && (p.reason.length > MAX_PAUSE_REASON || /[\p{Cc}\p{Zl}\p{Zp}]/u.test(p.reason))) {
    throw new PauseRefused(`the reason must be at most ${MAX_PAUSE_REASON} characters, on one line`, 'invalid');
  }
  const pause = await ledger.pause({ customer: p.customer, ...(p.schedule ? { schedule: p.schedule } : {}), by: p.by, ...(p.reason ? { reason: p.reason } : {}) }, nowMs);
  await ledger.audit({ by: p.by, action: 'pause', customer: p.customer, detail: `${p.schedule ?? 'every schedule'}${p.reason ? `: ${p.reason}` : ''}` }, nowMs);
  return pause;
}

/** Lifts a pause; returns the customer-wide pause that still holds the schedule, if there is one. */
export async function resumeSchedule(ledger: RunLedger, config: Config, p: { customer: string; schedule?: string; by: string }): Promise<{ stillHeldBy?: Pause }> {
  checkTarget(config, p.customer, p.schedule);
  const what = p.schedule ? `schedule ${p.schedule} of ${p.customer}` : `the customer-wide pause of ${p.customer}`;
  if (!(await ledger.resume(p.customer, p.schedule))) throw new PauseRefused(`${what} is not paused (see \`attack-report schedules --customer ${p.customer}\`)`, 'not-paused');
  await ledger.audit({ by: p.by, action: 'resume', customer: p.customer, detail: p.schedule ?? 'every schedule' });
  const still = p.schedule ? await ledger.pausedBy(p.customer, p.schedule) : undefined;
  return still ? { stillHeldBy: still } : {};
}
