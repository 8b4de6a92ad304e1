/**
 * Everything a run needs, opened from a loaded configuration and closed together: the database, the PDF
 * renderer, the SMTP transport, the ledger, the logger and the metrics.
 */
import pino, { type Logger } from 'pino';
import { connect, type ClickHouseTarget } from '../clickhouse/client.js';
import { migrate } from '../clickhouse/migrate.js';
import type { LoadedConfig } from '../config/file.js';
import { PdfRenderer } from '../render/renderer.js';
import { createTransport } from '../delivery/email.js';
import { Ledger } from './ledger.js';
import { Metrics } from './metrics.js';
import type { RunContext } from './runner.js';

export function createLogger(): Logger {
  // JSON lines on stdout, one object per event, each run's carrying its runId.
  return pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** The database and the PDF renderer of a configuration, opened together; what a dry run needs. */
export async function openEngines(loaded: LoadedConfig, opts: { log: Logger; env?: NodeJS.ProcessEnv }): Promise<{ target: ClickHouseTarget; renderer: PdfRenderer; close(): Promise<void> }> {
  const ch = loaded.config.clickhouse;
  const env = opts.env ?? process.env;
  const renderer = new PdfRenderer({ env: { PUPPETEER_EXECUTABLE_PATH: env.PUPPETEER_EXECUTABLE_PATH }, onEvent: (m) => opts.log.warn(m) });
  void renderer.warmUp().catch(() => undefined);
  let target: ClickHouseTarget;
  try {
    target = await connect({
      env: {
        CLICKHOUSE_URL: ch.url, CLICKHOUSE_USER: ch.user, CLICKHOUSE_PASSWORD: ch.password, CLICKHOUSE_DATABASE: ch.database,
        ATTACK_REPORT_DATA_DIR: env.ATTACK_REPORT_DATA_DIR,
      },
      ...(ch.dataDir ? { dataDir: ch.dataDir } : {}),
    });
    await migrate(target);
  } catch (err) {
    await renderer.close();
    throw err;
  }
  return {
    target, renderer,
    close: async () => {
      await renderer.close();
      await target.client.close().catch(() => undefined);
    },
  };
}

export async function openContext(loaded: LoadedConfig, opts: { log: Logger; env?: NodeJS.ProcessEnv }): Promise<{ ctx: RunContext; close(): Promise<void> }> {
  const { config } = loaded;
  const engines = await openEngines(loaded, opts);
  const transport = config.smtp ? createTransport(config.smtp) : null;
  const ctx: RunContext = {
    ledger: new Ledger(config.worker.stateDir), config, branding: loaded.branding, target: engines.target, renderer: engines.renderer, transport, log: opts.log, metrics: new Metrics(),
  };
  return {
    ctx,
    close: async () => {
      transport?.close();
      await engines.close();
    },
  };
}
