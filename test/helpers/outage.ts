/**
 * What the outage tests share: the CLI as a child process (asynchronous, so servers in this process keep
 * answering), ad-hoc SQL over a server's HTTP interface for independent checks, and waiting on a condition
 * rather than for a fixed time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

export const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');

export interface CliRun {
  child: ChildProcess;
  /** Output so far (complete once `done` resolves). */
  out: { stdout: string; stderr: string };
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `attack-report ARGS` with `env` added to a copy of this process's environment (CLICKHOUSE_URL removed unless given). */
export function startCli(args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): CliRun {
  const base = { ...process.env };
  delete base.CLICKHOUSE_URL;
  delete base.ATTACK_REPORT_DATA_DIR;
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...base, ...env } });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => {
    clearTimeout(timer);
    resolve({ code, ...out });
  }));
  return { child, out, done };
}

export const cli = (args: string[], env: Record<string, string> = {}) => startCli(args, env).done;

/** Rows of `query` on the server at `url` (JSONEachRow), or a thrown error with the server's answer. */
export async function sql<T = Record<string, unknown>>(url: string, query: string): Promise<T[]> {
  const res = await fetch(new URL(`?default_format=JSONEachRow&output_format_json_quote_64bit_integers=0`, url), { method: 'POST', body: query, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${query}: ${text}`);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Whether a statement of another client is running on the server at `url` that reads the telemetry database
 * (migrations' DDL and this probe itself left out).
 */
export async function telemetryQueryRunning(url: string): Promise<boolean> {
  try {
    const rows = await sql<{ n: number }>(url, `
      SELECT count() AS n FROM system.processes
      WHERE query_id != queryID() AND query ILIKE '%ddos%' AND query NOT ILIKE '%schema_migrations%' AND query NOT ILIKE 'CREATE %'`);
    return (rows[0]?.n ?? 0) > 0;
  } catch {
    return false;
  }
}
