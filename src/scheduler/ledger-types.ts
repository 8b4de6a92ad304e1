/**
 * What the run ledger records, and the interface every ledger implements (the JSON files of one host, or
 * PostgreSQL shared by workers on several hosts). Shared types live here, at the bottom: the scheduler, the web
 * app and the CLI import them without knowing which ledger is configured.
 */

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** A pause of a schedule (or, with schedule '*', of every schedule of the customer), with who set it, when and why. */
export interface Pause {
  customer: string;
  schedule: string;
  at: string;
  by: string;
  reason?: string;
}

export const ALL_SCHEDULES = '*';

export interface Artifact {
  format: string;
  path: string;
  sha256: string;
  bytes: number;
}

export interface RunRecord {
  id: string;
  customer: string;
  schedule: string;
  /** When the schedule fired (or the send was asked for), ISO. */
  dueAt: string;
  window: { from: string; to: string; timezone: string };
  status: RunStatus;
  attempts: number;
  /** Why it was skipped, or the last failure. */
  reason?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Refreshed while running, with leaseUntil, every quarter of the lease. */
  heartbeatAt?: string;
  /** The owner of the schedule's lease the run executes under (`Lease.owner`): only it writes the run while it runs. */
  owner?: string;
  /**
   * While running: until when the owner's lease holds, ISO (renewed by its heartbeat). A running run past it
   * has lost its owner and is taken over by any worker. Absent in records of earlier versions: heartbeatAt plus
   * the lease then.
   */
  leaseUntil?: string;
  artifacts?: Artifact[];
  recipients: string[];
  durationMs?: number;
  /** On-demand sends are not retried by the worker. */
  onDemand?: boolean;
}

/** One action a person, token or command took: who, what, when, and on what. */
export interface AuditEntry {
  at: string;
  /** The actor: a token's name, a signed-in user, a proxy identity, or `cli:<os user>`. */
  by: string;
  action: string;
  customer?: string;
  runId?: string;
  detail?: string;
}

/** One page of the run history, newest first, with how many runs matched in all. */
export interface RunPage {
  runs: RunRecord[];
  total: number;
}

export interface RunQuery {
  customer?: string;
  /** Only runs of these customers (a token limited to some customers). */
  customers?: string[];
  status?: RunStatus;
  schedule?: string;
  /** Only runs due at or after this instant (ms). */
  sinceMs?: number;
  limit?: number;
  offset?: number;
}

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface OutboxRecord {
  runId: string;
  recipient: string;
  status: OutboxStatus;
  attempts: number;
  messageId: string;
  /** Sent with the PDF attached, or as a note with the archive location (over the size cap). */
  mode?: 'attachment' | 'note';
  sentAt?: string;
  error?: string;
  /** The re-send this record belongs to (`resend-1`, …); absent for the run's own delivery. */
  delivery?: string;
}

/** One re-send of a run's archived report: its id within the run, who asked for it, when, and to whom. */
export interface Resend {
  runId: string;
  /** `resend-1`, `resend-2`, … in the order they were asked for. */
  id: string;
  at: string;
  by: string;
  recipients: string[];
}

/** What `prune` removed (or, dry, would remove): the runs by id and the records that went with them. */
export interface PruneResult {
  runs: string[];
  outboxRecords: number;
  models: number;
  resends: number;
}

/** Statuses a run never leaves by itself: only these are pruned. */
export const FINISHED: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'skipped']);

/** A run id that is the same for the same schedule and window, whoever computes it. */
export function runId(customer: string, schedule: string, fromMs: number): string {
  return `${customer}.${schedule}.${new Date(fromMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;
}

/**
 * A lease on one schedule: held while a run of the schedule executes, so runs of one schedule never overlap,
 * on one host or several. It expires unless renewed; a holder that vanishes (SIGKILL, a lost host) is replaced
 * once it expires, whatever host it ran on. Never based on process ids.
 */
export interface Lease {
  /** Who holds it: `<host>:<pid>:<random>`, unique per acquisition. */
  readonly owner: string;
  /** Extends the lease by its length; false when it was lost (expired and taken by another owner). */
  renew(): Promise<boolean>;
  /** Gives it up; a lease already taken by another owner is left to them. */
  release(): Promise<void>;
}

/**
 * The run ledger. Every method is safe against other processes on any host using the same ledger:
 * `claim` creates a run exactly once; `update` is a read-modify-write that no other `update` of the same run
 * interleaves with (returning undefined from `change` leaves the record as it is and returns undefined: a
 * conditional transition, such as taking over a run only if its lease has expired; both throw for a run that
 * is not in the ledger); `startResend` numbers
 * re-sends without gaps or repeats; `setWatermark` never moves a watermark back.
 */
export interface RunLedger {
  /** Where the ledger lives, for messages: a directory, or a database URL with its password removed. */
  readonly location: string;
  claim(record: RunRecord): Promise<boolean>;
  get(id: string): Promise<RunRecord | undefined>;
  update(id: string, change: (r: RunRecord) => RunRecord): Promise<RunRecord>;
  updateIf(id: string, change: (r: RunRecord) => RunRecord | undefined): Promise<RunRecord | undefined>;
  /** Every run, oldest due first (then by id), optionally of one customer and status. */
  list(filter?: { customer?: string; status?: RunStatus }): Promise<RunRecord[]>;
  /** The run history newest first, filtered and paged: what `runs`, the API and the web app read. */
  query(q?: RunQuery): Promise<RunPage>;
  outboxOf(runId: string, delivery?: string): Promise<OutboxRecord[]>;
  /** The outbox record of one recipient of a run (or of a re-send), `pending` when nothing was tried. */
  outbox(runId: string, recipient: string, delivery?: string): Promise<OutboxRecord>;
  saveOutbox(record: OutboxRecord): Promise<void>;
  audit(entry: Omit<AuditEntry, 'at'>, atMs?: number): Promise<AuditEntry>;
  /** Oldest first, optionally of one run or customer, at most the newest `limit` entries. */
  auditTrail(filter?: { runId?: string; customer?: string; limit?: number }): Promise<AuditEntry[]>;
  startResend(runId: string, p: { by: string; recipients: string[] }, atMs?: number): Promise<Resend>;
  resends(runId: string): Promise<Resend[]>;
  resend(runId: string, id: string): Promise<Resend | undefined>;
  model<T>(runId: string): Promise<T | undefined>;
  saveModel(runId: string, model: unknown): Promise<void>;
  /** Removes finished runs (and their outboxes, re-sends, models) that finished before `beforeMs`. */
  prune(beforeMs: number, opts?: { dryRun?: boolean }): Promise<PruneResult>;
  watermark(customer: string, schedule: string): Promise<number | undefined>;
  /** Moves the watermark forward to `atMs`; an older value leaves it where it is. Returns the watermark after. */
  setWatermark(customer: string, schedule: string, atMs: number): Promise<number>;
  pause(p: { customer: string; schedule?: string; by: string; reason?: string }, atMs?: number): Promise<Pause>;
  resume(customer: string, schedule?: string): Promise<boolean>;
  pausedBy(customer: string, schedule: string): Promise<Pause | undefined>;
  /** Every pause in force (for listings, and for moving a ledger). */
  pauses(): Promise<Pause[]>;
  /** Every watermark (for moving a ledger). */
  watermarks(): Promise<{ customer: string; schedule: string; atMs: number }[]>;
  /** The schedule's lease for `leaseMs`, or null while another owner holds an unexpired one. */
  lease(customer: string, schedule: string, leaseMs: number): Promise<Lease | null>;
  close(): Promise<void>;
}
