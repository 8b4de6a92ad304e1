/**
 * What the CLI writes reaches its reader whole: through a pipe (a script reading `runs --json`), and into files
 * and directories only the owner can read. Against the real CLI in a child process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Ledger, runId, type RunRecord } from '../src/scheduler/ledger.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-output-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The CLI with stdout and stderr as pipes, read in this process's event loop as a shell pipeline would. */
function cliThroughPipe(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr })));
}

describe('CLI output through a pipe', () => {
  it('runs --json writes every one of 3,000 ledger records before exiting', async () => {
    const dir = path.join(root, 'pipe');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, stringify({
      worker: { stateDir: 'state' },
      customers: [{ id: 'acme', name: 'Acme', accountId: 'acme', timezone: 'UTC', allowedDomains: ['acme.example'], recipients: ['soc@acme.example'] }],
    }));
    const ledger = new Ledger(path.join(dir, 'state'));
    const start = Date.parse('2020-01-01T00:00:00Z');
    for (let i = 0; i < 3_000; i++) {
      const from = start + i * 86_400_000;
      const record: RunRecord = {
        id: runId('acme', 'daily', from), customer: 'acme', schedule: 'daily', dueAt: new Date(from + 86_400_000 + 6 * 3_600_000).toISOString(),
        window: { from: new Date(from).toISOString(), to: new Date(from + 86_400_000).toISOString(), timezone: 'UTC' },
        status: 'succeeded', attempts: 1, createdAt: new Date(from).toISOString(), recipients: ['soc@acme.example'],
        reason: 'x'.repeat(200),
      };
      ledger.claim(record);
    }
    const r = await cliThroughPipe(['runs', '--config', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3_000);
    expect(lines.map((l) => (JSON.parse(l) as RunRecord).id)).toEqual(ledger.list().map((x) => x.id));
  }, 120_000);
});
