/**
 * A worker's hold on the run it executes. The run executes under its schedule's lease (ledger.lease); its record
 * names the lease's owner and carries `leaseUntil`. A heartbeat every quarter of the lease renews both, and gives
 * the run up when its stuck timeout passes.
 *
 * How a worker that lost its run stops writing: every write of the run's record goes through `write`, an
 * `updateIf` that changes the record only while it is still `running` under this owner, so a record another
 * worker took over (after this one's lease expired: a long pause of the process, a partition from the ledger)
 * is never overwritten, let alone finished, by the loser. The first refused write, failed renewal or refused
 * heartbeat marks the hold lost; `lost` then resolves, the runner stops waiting for the work, and `holds()`
 * (asked before each email, before archiving) answers false, so the work still under way in the background
 * sends and archives nothing more. What cannot be closed is the instant between that check and an SMTP
 * server's acceptance; the outbox and the message's fixed Message-ID cover it as for a crash.
 */
import os from 'node:os';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { Lease, RunLedger, RunRecord } from './ledger-types.js';

export interface RunHold {
  readonly owner: string;
  /** Resolves with the reason once the run is no longer this worker's. */
  readonly lost: Promise<string>;
  /** Changes the run's record if it is still running under this owner; undefined (and the hold lost) otherwise. */
  write(change: (r: RunRecord) => RunRecord): Promise<RunRecord | undefined>;
  /** Whether the run is still this worker's: not lost, and its record still names this owner. */
  holds(): Promise<boolean>;
  /** Stops the heartbeat (the caller releases the lease). */
  stop(): void;
}

/** The owner prefix of the leases this process takes (`<host>:<pid>:`, as the Lease contract says): for its own shutdown only. */
export const thisProcessOwner = (owner: string | undefined) => owner !== undefined && owner.startsWith(`${os.hostname()}:${process.pid}:`);

/** Whether a running run's lease has passed at `nowMs` (records of earlier versions: its heartbeat plus the lease). */
export function leaseExpired(r: RunRecord, leaseMs: number, nowMs: number): boolean {
  const until = r.leaseUntil !== undefined ? Date.parse(r.leaseUntil) : Date.parse(r.heartbeatAt ?? r.startedAt ?? r.createdAt) + leaseMs;
  return !(until > nowMs);
}

export function holdRun(
  ledger: RunLedger, lease: Lease, id: string,
  opts: { leaseMs: number; stuckMs: number; startedMs: number; stuckMinutes: number; log: Logger },
): RunHold {
  const { owner } = lease;
  let lostWhy: string | undefined;
  let onLost: (why: string) => void = () => undefined;
  const lost = new Promise<string>((resolve) => (onLost = resolve));
  const lose = (why: string) => {
    if (lostWhy !== undefined) return;
    lostWhy = why;
    opts.log.warn({ owner, why }, 'run lost: this worker stops writing it');
    onLost(why);
  };
  const mine = (r: RunRecord) => r.status === 'running' && r.owner === owner;
  const write = async (change: (r: RunRecord) => RunRecord) => {
    if (lostWhy !== undefined) return undefined;
    const next = await ledger.updateIf(id, (r) => (mine(r) ? change(r) : undefined));
    if (!next) lose('the run was taken over by another worker');
    return next;
  };
  let busy = false;
  const beat = async () => {
    if (busy || lostWhy !== undefined) return;
    busy = true;
    try {
      if (Date.now() - opts.startedMs > opts.stuckMs) {
        // A run still going after the stuck timeout (a query or a mail server that never answers) is given up,
        // recorded failed, and attempted again by the retry rule; its work left in the background writes nothing.
        await write((r) => ({ ...r, status: 'failed', reason: `stuck: still running after ${opts.stuckMinutes} min; given up`, finishedAt: new Date().toISOString() }));
        lose(`stuck: still running after ${opts.stuckMinutes} min`);
        return;
      }
      // Computed before the renewal, so that the record never promises more than the lease holds.
      const until = new Date(Date.now() + opts.leaseMs).toISOString();
      if (!(await lease.renew())) return lose('its lease expired and another worker took it');
      await write((r) => ({ ...r, heartbeatAt: new Date().toISOString(), leaseUntil: until }));
    } catch (err) {
      // The ledger did not answer: the next beat tries again; if the lease expires meanwhile, a worker takes over.
      opts.log.warn({ err: errorMessage(err) }, 'heartbeat failed; trying again');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void beat(), Math.max(1_000, Math.floor(opts.leaseMs / 4)));
  timer.unref();
  return {
    owner, lost, write,
    holds: async () => {
      if (lostWhy !== undefined) return false;
      let r: RunRecord | undefined;
      try {
        r = await ledger.get(id);
      } catch {
        return true; // the ledger did not answer: the lease, renewed until then, is still this worker's
      }
      if (!r || !mine(r)) lose('the run was taken over by another worker');
      return lostWhy === undefined;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Renews `lease` every quarter of its length until stopped, for work under a lease that has no run record (a
 * re-send); `held()` answers false once a renewal found it taken by another owner.
 */
export function keepLease(lease: Lease, leaseMs: number): { held(): Promise<boolean>; stop(): void } {
  let lost = false;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || lost) return;
    busy = true;
    // A renewal that fails (the ledger did not answer) is tried again at the next beat.
    void lease.renew().then((ok) => (lost ||= !ok), () => undefined).finally(() => (busy = false));
  }, Math.max(1_000, Math.floor(leaseMs / 4)));
  timer.unref();
  return { held: async () => !lost, stop: () => clearInterval(timer) };
}
