import os from 'node:os';
import { UsageError } from '../errors.js';
import { displayText, revealHidden } from '../util/display.js';
import { tenantIdProblem } from '../util/tenant-id.js';

/** A tenant id given on the command line (surrounding spaces dropped), or a UsageError naming the flag. */
export function tenantIdFlag(flag: string, value: string): string {
  const id = value.trim();
  const problem = tenantIdProblem(id);
  if (problem) throw new UsageError(`${flag} ${problem}`);
  return id;
}

/** "0.1%" or "0.001" as a fraction: below 1, or up to 1 inclusive with `allowWhole` (a share that may be everything). */
export function parseShare(flag: string, text: string, allowWhole = false): number {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*(%?)\s*$/.exec(text);
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!Number.isFinite(value) || value > 1 || (value === 1 && !allowWhole)) {
    throw new UsageError(`${flag} must be a share ${allowWhole ? 'up to' : 'below'} 100%, as a percentage (0.1%) or a fraction (0.001); got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Notes, progress and errors go to stderr: stdout carries only what scripts read (file paths, listings). */
export const say = (line: string): void => {
  // Notes can quote telemetry (field names, values): hidden characters are shown, never sent to the terminal.
  // Line breaks are the note's own (a list of problems, a stack trace).
  process.stderr.write(`${line.split('\n').map(revealHidden).join('\n')}\n`);
};

/**
 * A one-line progress indicator on a terminal; silent when stderr is not a TTY (logs, CI). `describe` writes
 * what follows the bar (by default "done/total"). A total of 0 means unknown: no bar, only the description.
 */
export function progressBar(label: string, describe: (done: number, total: number) => string = (d, t) => `${d}/${t}`): (done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => undefined;
  return (done, total) => {
    const width = 30;
    const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
    const bar = total > 0 ? ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]` : '';
    // Clear to the end of the line: a description may be shorter than the one it replaces.
    process.stderr.write(`\r${label}${bar} ${describe(done, total)}\x1b[K${total > 0 && done >= total ? '\n' : ''}`);
  };
}

/**
 * A plain-text table for a terminal: columns padded to their widest cell, `rightAligned` columns (counts) padded
 * on the left. Cells can quote telemetry or an error's text, so each is shown on one line with hidden
 * characters as markers (util/display.ts).
 */
export function formatTable(header: string[], raw: string[][], opts: { rightAligned?: number[] } = {}): string {
  const rows = raw.map((r) => r.map((c) => displayText(c, { maxChars: 200 })));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const right = new Set(opts.rightAligned ?? []);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** The --config option of the commands that read the configuration file (env ATTACK_REPORT_CONFIG). */
export function configFileOption(): readonly [string, string, string] {
  return ['--config <file>', 'configuration file (env ATTACK_REPORT_CONFIG)', process.env.ATTACK_REPORT_CONFIG ?? 'attack-report.yaml'] as const;
}

/** Who a command acts as, in the audit trail and in pauses: `cli:<os user>`. */
export function cliActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return `cli:uid ${process.getuid?.() ?? '?'}`;
  }
}
