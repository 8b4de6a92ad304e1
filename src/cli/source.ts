/**
 * `attack-report source check --source FILE`: validates a source definition (src/source/definition.ts) and
 * checks it against the live store (src/source/check.ts). The store is only read: no migration, no view.
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { connect, DEFAULT_DATA_DIR } from '../clickhouse/client.js';
import { readEnv } from '../config/env.js';
import { UsageError } from '../errors.js';
import { checkSource, formatSourceCheck } from '../source/check.js';
import { loadSourceDefinition } from '../source/definition.js';

export function addSourceCommand(program: Command, globalDataDir: () => string | undefined): void {
  const source = program.command('source').description('Reports over your own ClickHouse tables (a source definition file).');
  source
    .command('check')
    .description('Check a source definition against the store: tables, each field\'s expression and type, sampled values, the sorting key, and what the reports will not contain.')
    .requiredOption('--source <file>', 'the source definition (YAML; see examples/sources/)')
    .addHelpText('after', `
Reads the table's schema and up to 10000 rows per field; writes nothing. Exit codes: 0 usable
(warnings allowed), 1 the store cannot be reached, 2 the definition is invalid or a field fails.`)
    .action(async (opts: { source: string }) => {
      const def = loadSourceDefinition(opts.source);
      const env = readEnv();
      const dataDir = globalDataDir();
      const dir = path.resolve(dataDir ?? env.ATTACK_REPORT_DATA_DIR ?? DEFAULT_DATA_DIR);
      // A check only reads: it never creates an empty engine directory that would hold no provider table anyway.
      if (!env.CLICKHOUSE_URL && !fs.existsSync(dir)) {
        throw new UsageError(`there is no embedded-engine data directory at ${dir}; set CLICKHOUSE_URL to check against your server, or --data-dir`);
      }
      const target = await connect({ env, ...(dataDir ? { dataDir } : {}) });
      try {
        const check = await checkSource(target, def);
        process.stdout.write(formatSourceCheck(check));
        if (!check.usable) throw new UsageError(`source ${def.name} (${opts.source}) is not usable; fix the fields marked FAIL and run source check again`);
      } finally {
        await target.client.close().catch(() => undefined);
      }
    });
}
