/**
 * Everything a run needs, opened from a loaded configuration and closed together: the database, the PDF
 * renderer, the SMTP transport, the ledger, the logger and the metrics.
 */
import pino, { type Logger } from 'pino';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { openServedStore } from '../clickhouse/served-store.js';
import type { ServerEvent } from '../clickhouse/local-server.js';
import { connect } from '../clickhouse/client.js';
import { migrate } from '../clickhouse/migrate.js';
import { errorMessage } from '../errors.js';
import type { LoadedConfig } from '../config/file.js';
import { PdfRenderer } from '../render/renderer.js';
import { createTransport } from '../delivery/email.js';
import { openLedger } from './open-ledger.js';
import { LedgerUnavailable } from './ledger-postgres-db.js';
import type { RunLedger } from './ledger-types.js';
import { attachedTarget, sourceTarget } from '../source/attach.js';
import { sourceNotes } from '../source/consequences.js';
import { sourceGapCheck } from '../source/coverage.js';
import type { WindowGapCheck } from '../report/on-demand.js';
import { Metrics } from './metrics.js';
import type { RunContext } from './runner.js';

export function createLogger(): Logger {
  // JSON lines on stdout, one object per event, each run's carrying its runId.
  return pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** The database and the PDF renderer of a configuration, opened together; what a dry run needs. */
export interface EngineOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Serve the embedded store to other processes while this one runs (the long-running worker). */
  serve?: boolean;
  /** Told of every event of the served store's server (after it is logged): the worker ticks when it is back. */
  onServerEvent?: (e: ServerEvent) => void;
  /**
   * Start even when the ClickHouse server (clickhouse.url) does not answer (the worker): the migrations are
   * then applied before the first run that needs the store, and each run fails with the reason until it answers.
   */
  tolerateOutage?: boolean;
}

export interface Engines {
  target: ClickHouseTarget;
  renderer: PdfRenderer;
  /** Resolves once the store answers and is migrated; rejects with the reason when it does not (tried again on the next call). */
  storeReady(): Promise<void>;
  /** Notes every report carries: what the configured source does not record (none without a source). */
  reportNotes: string[];
  /** With a configured source: which parts of a window it has not synced (src/source/coverage.ts). */
  sourceGaps?: WindowGapCheck;
  close(): Promise<void>;
}

export async function openEngines(loaded: LoadedConfig, opts: EngineOptions): Promise<Engines> {
  const ch = loaded.config.clickhouse;
  const env = opts.env ?? process.env;
  const renderer = new PdfRenderer({ env: { PUPPETEER_EXECUTABLE_PATH: env.PUPPETEER_EXECUTABLE_PATH }, onEvent: (m) => opts.log.warn(m) });
  // Chromium starts now, while the store opens, only if some schedule makes PDFs (else on first use, if ever).
  if (loaded.config.customers.some((c) => c.schedules.some((s) => s.formats.includes('pdf')))) void renderer.warmUp().catch(() => undefined);
  const connectOpts = {
    env: {
      CLICKHOUSE_URL: ch.url, CLICKHOUSE_USER: ch.user, CLICKHOUSE_PASSWORD: ch.password, CLICKHOUSE_DATABASE: ch.database, CLICKHOUSE_CLUSTER: ch.cluster, CLICKHOUSE_CLUSTER_NODES: ch.clusterNodes,
      ATTACK_REPORT_DATA_DIR: env.ATTACK_REPORT_DATA_DIR,
    },
    ...(ch.dataDir ? { dataDir: ch.dataDir } : {}),
    ...(opts.tolerateOutage ? { ping: false } : {}),
  };
  let store: { target: ClickHouseTarget; close(): Promise<void> };
  try {
    if (opts.serve) {
      store = await openServedStore({
        ...connectOpts,
        onEvent: (e) => {
          if (e.kind === 'started' || e.kind === 'restarted') opts.log.info({ server: e.url, serverPid: e.pid }, `local ClickHouse server ${e.kind}`);
          else opts.log.error({ reason: e.reason }, e.kind === 'died' ? 'local ClickHouse server died; restarting it' : 'local ClickHouse server did not restart; trying again');
          opts.onServerEvent?.(e);
        },
      });
    } else {
      const target = await connect(connectOpts);
      store = { target, close: () => target.client.close().catch(() => undefined) };
    }
  } catch (err) {
    await renderer.close();
    throw err;
  }
  // With clickhouse.source, reports read the attached source's database; migrations still run on the product's own.
  const source = loaded.source;
  const target = source ? sourceTarget(store.target, source) : store.target;
  let migrated: Promise<void> | undefined;
  // One migration at a time; a failed one is forgotten so that the next run tries again.
  const storeReady = () => (migrated ??= migrate(store.target).then(async () => {
    if (source) await attachedTarget(store.target, source, loaded.config.clickhouse.source!);
  }).then(() => undefined, (err: unknown) => {
    migrated = undefined;
    throw err;
  }));
  try {
    await storeReady();
  } catch (err) {
    if (opts.tolerateOutage) {
      opts.log.error({ err: errorMessage(err) }, 'ClickHouse is not answering; runs that need it fail with the reason (and are retried) until it does');
    } else {
      await renderer.close();
      await store.close();
      throw err;
    }
  }
  return {
    target, renderer, storeReady, reportNotes: source ? sourceNotes(source) : [],
    ...(source ? { sourceGaps: sourceGapCheck(store.target, source, loaded.config.clickhouse.source) } : {}),
    close: async () => {
      await renderer.close();
      await store.close();
    },
  };
}

/** How long a worker (tolerateOutage) waits at start for a ledger database that does not answer. */
export const LEDGER_START_PATIENCE_MS = 60_000;

/**
 * The configured ledger. With `tolerateOutage` (the worker) a database that does not answer (PostgreSQL
 * restarting as the worker starts) is tried again for up to LEDGER_START_PATIENCE_MS, each failure logged,
 * rather than the worker exiting 1 at once; anything else (a wrong URL, a refused password, a newer schema)
 * fails at once.
 */
async function openLedgerPatiently(loaded: LoadedConfig, opts: EngineOptions): Promise<RunLedger> {
  const deadline = Date.now() + LEDGER_START_PATIENCE_MS;
  for (let wait = 500; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      return await openLedger(loaded.config, { log: opts.log });
    } catch (err) {
      if (!opts.tolerateOutage || !(err instanceof LedgerUnavailable) || Date.now() + wait > deadline) throw err;
      opts.log.error({ err: errorMessage(err), retryInMs: wait }, 'the run ledger does not answer; trying again');
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

export async function openContext(loaded: LoadedConfig, opts: EngineOptions): Promise<{ ctx: RunContext; close(): Promise<void> }> {
  const { config } = loaded;
  // The ledger first: a ledger that cannot be opened is refused before the store and the browser are started.
  const ledger = await openLedgerPatiently(loaded, opts);
  let engines: Engines;
  try {
    engines = await openEngines(loaded, opts);
  } catch (err) {
    await ledger.close();
    throw err;
  }
  const transport = config.smtp ? createTransport(config.smtp) : null;
  const ctx: RunContext = {
    ledger, config, branding: loaded.branding, target: engines.target, renderer: engines.renderer, transport, log: opts.log, metrics: new Metrics(),
    storeReady: engines.storeReady, reportNotes: engines.reportNotes, ...(engines.sourceGaps ? { sourceGaps: engines.sourceGaps } : {}),
  };
  return {
    ctx,
    close: async () => {
      transport?.close();
      await engines.close();
      await ledger.close();
    },
  };
}
