import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ledger-child.mjs');

/** How a child process opens the same ledger as the test (see ledger-child.mjs). */
export interface LedgerProcessSpec {
  /** The compiled module (under dist/) that opens this kind of ledger: an absolute path. */
  module: string;
  /** Its export: a function (target) => ledger (or a promise of one), or a class constructed with (target). */
  exportName: string;
  /** The target that opens the same ledger: a directory, or a URL with its password (given in the environment). */
  target: string;
}

/**
 * Starts `count` children doing `op`, waits until every one is ready (its ledger open, or for `open` about to
 * open it), then lets them all go at once and returns each one's JSON result. A child that fails fails the call
 * with its stderr; the whole race must end within `timeoutMs`.
 */
export async function raceProcesses<T>(spec: LedgerProcessSpec, count: number, op: string, args: string[] = [], timeoutMs = 60_000): Promise<T[]> {
  const children: ChildProcessWithoutNullStreams[] = [];
  const results = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, [CHILD, spec.module, spec.exportName, op, ...args], { env: { ...process.env, LEDGER_TARGET: spec.target } });
    children.push(child);
    let out = '';
    let err = '';
    let readyResolve: () => void = () => undefined;
    const ready = new Promise<void>((r) => (readyResolve = r));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.startsWith('ready\n')) readyResolve();
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const done = new Promise<T>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => {
        readyResolve(); // a child that died before "ready" must not hold the others back
        const last = out.trim().split('\n').pop() ?? '';
        if (code !== 0) reject(new Error(`ledger child (${op}) exited ${code}: ${err.trim() || out.trim()}`));
        else resolve(JSON.parse(last) as T);
      });
    });
    return { child, ready, done };
  });
  const timer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), timeoutMs);
  try {
    await Promise.all(results.map((r) => r.ready));
    for (const r of results) r.child.stdin.write('go\n');
    return await Promise.all(results.map((r) => r.done));
  } finally {
    clearTimeout(timer);
  }
}
