/** The CLI as the bench runs it: a separate process (`node bin/attack-report.js …`), timed from spawn to exit. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/util/paths.js';
import { ms, summarize, type Sample } from './stats.js';

export const BIN = path.join(PACKAGE_ROOT, 'bin/attack-report.js');

/** This process's environment without CLICKHOUSE_URL: the bench always uses its own data directories. */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CLICKHOUSE_URL;
  return env;
}

/** One CLI process to its exit: its wall time and stdout; a non-zero exit rejects with everything it printed. */
export function spawnCli(args: string[]): Promise<{ elapsedMs: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: PACKAGE_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const elapsedMs = performance.now() - t0;
      if (code === 0) resolve({ elapsedMs, stdout });
      else reject(new Error(`attack-report ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

/** Wall time of one CLI process from spawn to exit. */
export async function runCli(args: string[]): Promise<number> {
  return (await spawnCli(args)).elapsedMs;
}

export interface GenerateArgs {
  dataDir: string;
  account: string;
  fromMs: number;
  toMs: number;
  tz: string;
  outDir: string;
}

/** Median of 3 CLI `generate`s of a PDF report, spawn to exit. */
export async function cliGenerate(label: string, g: GenerateArgs, log: (line: string) => void): Promise<Sample> {
  const args = ['--data-dir', g.dataDir, 'generate', '--account', g.account, '--from', new Date(g.fromMs).toISOString(),
    '--to', new Date(g.toMs).toISOString(), '--tz', g.tz, '--format', 'pdf', '--out', g.outDir];
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    times.push(await runCli(args));
    log(`${label} cold generate ${i + 1}/3: ${ms(times[i]!)} ms`);
  }
  return summarize(times);
}
