/**
 * `attack-report ledger move --config F [--from DIR]`: copies a file ledger (by default the worker.stateDir of
 * the configuration) into the PostgreSQL ledger the configuration names (worker.ledger). The destination is read
 * from the configuration, never from the command line, so the password (`${ENV}` in the file) is not seen by `ps`
 * and the move goes exactly where the workers will look once restarted with that configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/file.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { FileLedger } from '../scheduler/ledger.js';
import { checkSourceIdle, MOVED_KINDS, moveLedger, MoveRefused, verifyMove, type MovedKind } from '../scheduler/ledger-move.js';
import { openLedger } from '../scheduler/open-ledger.js';
import { configFileOption, formatTable, progressBar, say } from './common.js';

export function addLedgerCommand(program: Command): void {
  const ledger = program.command('ledger').description('Run ledger maintenance.');
  ledger
    .command('move')
    .description('Copy a file ledger (runs, outbox, re-sends, stored models, watermarks, pauses, audit trail) into the PostgreSQL ledger named by worker.ledger. Idempotent: what is already there is not copied again.')
    .option(...configFileOption())
    .option('--from <dir>', 'the file ledger to copy (default: worker.stateDir of the configuration)')
    .addHelpText('after', `
Stop every worker first: the move is refused while a schedule's lease is held or a run is running in the
source. Records are copied with their original times; a move cut short is completed by running it again.
At the end every record of the source is read back from PostgreSQL; a missing one fails the command (exit 1).
The source is left as it was. Exit codes: 0 moved (or nothing left to move), 1 refused or failed, 2 usage.`)
    .action(async (opts: { config: string; from?: string }) => {
      const loaded = loadConfig(opts.config);
      if (loaded.config.worker.ledger === undefined) {
        throw new UsageError(`${opts.config} has no worker.ledger: set it to the PostgreSQL ledger to move into (postgres://user:\${PASSWORD_ENV}@host/db), then run this again`);
      }
      const from = opts.from === undefined ? loaded.config.worker.stateDir : path.resolve(opts.from);
      // Checked before FileLedger, which would create an empty ledger in a mistyped directory.
      if (!fs.statSync(path.join(from, 'runs'), { throwIfNoEntry: false })?.isDirectory()) {
        throw new UsageError(`${from} holds no file ledger (no runs/ directory); give the worker's stateDir with --from`);
      }
      const source = new FileLedger(from);
      const target = await openLedger(loaded.config);
      try {
        try {
          await checkSourceIdle(from, source);
        } catch (err) {
          if (err instanceof MoveRefused) throw new RuntimeFailure(err.message);
          throw err;
        }
        say(`moving ${from} into ${target.location}`);
        const bars = new Map<MovedKind, (done: number, total: number) => void>();
        let lastLine = 0;
        const counts = await moveLedger(source, target, (kind, done, total) => {
          if (!bars.has(kind)) bars.set(kind, progressBar(kind));
          bars.get(kind)!(done, total);
          // Without a terminal (a log), a line every 5 s and at the end of each kind.
          if (!process.stderr.isTTY && (done === total || Date.now() - lastLine > 5000)) {
            lastLine = Date.now();
            say(`${kind}: ${done}/${total}`);
          }
        });
        const problems = await verifyMove(source, target);
        process.stdout.write(formatTable(['records', 'in source', 'copied', 'already there'],
          MOVED_KINDS.map((k) => [k, String(counts[k].source), String(counts[k].copied), String(counts[k].already)]), { rightAligned: [1, 2, 3] }));
        if (problems.length) {
          throw new RuntimeFailure(`verification failed, ${target.location} lacks ${problems.length} record(s) of ${from}:\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? '\n  …' : ''}\nRun the move again.`);
        }
        const copied = MOVED_KINDS.reduce((n, k) => n + counts[k].copied, 0);
        const already = MOVED_KINDS.reduce((n, k) => n + counts[k].already, 0);
        say(`verified: ${target.location} holds every record of ${from} (${copied} copied now, ${already} already there). ` +
          'Start the workers with this configuration; the files under the old stateDir are no longer read and can be kept as a backup.');
      } finally {
        await target.close();
      }
    });
}
