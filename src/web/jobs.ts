/**
 * The bounded queue of work the web app and API accept: report jobs, and the actions that take seconds (retry,
 * re-send, email preview). Bounded because each report holds a share of ClickHouse and Chromium: past `capacity`
 * unfinished jobs, submit() refuses with an estimate of when to come back, and the route answers 429 with
 * Retry-After. Each accepted job's work function is called exactly once.
 *
 * Jobs live in this process's memory (their files under `dir`): a restart of the server forgets the jobs it had,
 * which is said in the README; the history of scheduled runs is in the ledger, not here.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { mkdirOwnerOnly } from '../util/private-files.js';
import { processAlive } from '../util/process.js';

export type JobKind = 'report' | 'incident' | 'retry' | 'resend' | 'preview';
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobFile {
  format: string;
  name: string;
  path: string;
  bytes: number;
}

/** Report files written into a job's directory, as the job lists them (format from the extension). */
export function jobFiles(files: (string | undefined)[]): JobFile[] {
  return files.filter((f): f is string => !!f).map((file) => ({ format: path.extname(file).slice(1), path: file, name: path.basename(file), bytes: fs.statSync(file).size }));
}

export interface Job {
  id: string;
  kind: JobKind;
  customer: string;
  /** Who asked (the audit's actor). */
  by: string;
  /** What was asked, in words (for lists and logs). */
  title: string;
  state: JobState;
  stage?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  files: JobFile[];
  /** What the work returned besides files (a run record, preview emails, notes). */
  result?: unknown;
  /** The job's own directory (owner-only), where report files are written. */
  dir: string;
}

export interface JobHandle {
  readonly job: Job;
  stage(name: string): void;
}

export interface JobOutcome {
  files?: JobFile[];
  result?: unknown;
}

export class QueueFull extends Error {
  constructor(readonly retryAfterSeconds: number, capacity: number) {
    super(`the report queue is full (${capacity} jobs waiting or running); try again in ${retryAfterSeconds} s`);
  }
}

export interface JobQueueOptions {
  /** Jobs accepted and not finished, at most. */
  capacity: number;
  /** Jobs running at once. */
  concurrency: number;
  dir: string;
  /** Finished jobs (and their files) are forgotten after this long. */
  keepMs?: number;
  onEvent?: (job: Job, event: 'queued' | 'started' | 'finished') => void;
}

type Work = (handle: JobHandle) => Promise<JobOutcome>;

export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: { job: Job; work: Work }[] = [];
  private running = 0;
  private readonly durations: number[] = [];
  private readonly idle: (() => void)[] = [];

  private readonly dir: string;

  constructor(private readonly opts: JobQueueOptions) {
    mkdirOwnerOnly(opts.dir, { tighten: true });
    // Each process keeps its jobs' files in its own directory; those of processes that are gone are no one's.
    for (const name of fs.readdirSync(opts.dir)) {
      if (!/^\d+$/.test(name) || !processAlive(Number(name))) fs.rmSync(path.join(opts.dir, name), { recursive: true, force: true });
    }
    this.dir = path.join(opts.dir, String(process.pid));
    mkdirOwnerOnly(this.dir);
  }

  get pending(): number {
    return this.running + this.waiting.length;
  }

  submit(spec: { kind: JobKind; customer: string; by: string; title: string }, work: Work): Job {
    this.forgetOld();
    if (this.pending >= this.opts.capacity) throw new QueueFull(this.retryAfterSeconds(), this.opts.capacity);
    const id = crypto.randomBytes(8).toString('hex');
    const dir = path.join(this.dir, id);
    mkdirOwnerOnly(dir);
    const job: Job = { id, ...spec, state: 'queued', createdAt: new Date().toISOString(), files: [], dir };
    this.jobs.set(id, job);
    this.waiting.push({ job, work });
    this.opts.onEvent?.(job, 'queued');
    this.pump();
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  list(): Job[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Resolves once nothing is waiting or running (for a clean shutdown). */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** How long until a slot is likely free: the mean job time times the jobs ahead per runner, at least a second. */
  private retryAfterSeconds(): number {
    const mean = this.durations.length ? this.durations.reduce((a, b) => a + b, 0) / this.durations.length : 5000;
    return Math.max(1, Math.ceil((mean * Math.max(1, this.waiting.length + 1)) / this.opts.concurrency / 1000));
  }

  private pump(): void {
    while (this.running < this.opts.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running++;
      void this.execute(next.job, next.work).finally(() => {
        this.running--;
        this.pump();
        if (this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async execute(job: Job, work: Work): Promise<void> {
    const started = Date.now();
    job.state = 'running';
    job.startedAt = new Date(started).toISOString();
    this.opts.onEvent?.(job, 'started');
    try {
      const out = await work({ job, stage: (name) => (job.stage = name) });
      job.files = out.files ?? [];
      job.result = out.result;
      job.state = 'succeeded';
    } catch (err) {
      job.state = 'failed';
      job.error = errorMessage(err);
    } finally {
      job.stage = undefined;
      job.finishedAt = new Date().toISOString();
      this.durations.push(Date.now() - started);
      if (this.durations.length > 20) this.durations.shift();
      this.opts.onEvent?.(job, 'finished');
    }
  }

  private forgetOld(): void {
    const keep = this.opts.keepMs ?? 24 * 3_600_000;
    const cutoff = Date.now() - keep;
    for (const job of this.jobs.values()) {
      if (job.finishedAt && Date.parse(job.finishedAt) < cutoff) {
        fs.rmSync(job.dir, { recursive: true, force: true });
        this.jobs.delete(job.id);
      }
    }
  }
}
