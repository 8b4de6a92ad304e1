import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/util/paths.js';

// The terminal is one more place attacker text reaches a reader: notes and errors quoting a value show its
// hidden characters as markers, never send them to the terminal (where a U+202E reorders the line).
const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');

describe('terminal output', () => {
  it('shows hidden characters of a value quoted in an error as markers', () => {
    const r = spawnSync(process.execPath, [BIN, 'generate', '--account', 'acme', '--last', '7d', '--tz', 'Europe/\u202EAtlantis\u{E0020}'], {
      encoding: 'utf8', env: { ...process.env, CLICKHOUSE_URL: '' }, timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Europe/[U+202E]Atlantis[U+E0020]');
    expect(r.stderr).not.toMatch(/[\u202E\u{E0020}]/u);
  });
});
