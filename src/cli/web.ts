/**
 * `serve`: the web app and HTTP API, alone or with the worker in the same process; and `tokens`: the API tokens
 * that authenticate them.
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/file.js';
import { UsageError } from '../errors.js';
import { createLogger, openContext } from '../scheduler/context.js';
import { runForever } from '../scheduler/worker.js';
import { buildApp } from '../web/app.js';
import { JobQueue } from '../web/jobs.js';
import { SCOPES, TokenStore, type Scope } from '../web/tokens.js';
import { parseDuration } from '../report/window.js';
import { configFileOption, formatTable, say, tenantIdFlag } from './common.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function addWebCommands(program: Command): void {
  program
    .command('serve')
    .description('Serve the web app and the HTTP API (OpenAPI document at /api/v1/openapi.json), optionally running the worker in the same process. Stops cleanly on SIGTERM.')
    .option(...configFileOption())
    .option('--with-worker', 'also run the schedules, as `attack-report worker` does')
    .option('--host <address>', 'address to listen on (default web.host, 127.0.0.1)')
    .option('--port <n>', 'port to listen on (default web.port, 8080; 0 picks a free one)')
    .addHelpText('after', `
Everything but /health needs a token: create one with \`attack-report tokens create\`, then sign in with it
in the browser or send it as "Authorization: Bearer <token>". Logs are JSON lines on stdout; the address
served is also printed on stderr. Listening beyond loopback needs TLS in front (README: Web app and API).`)
    .action(async (opts: { config: string; withWorker?: boolean; host?: string; port?: string }) => {
      const loaded = loadConfig(opts.config);
      const web = loaded.config.web;
      const host = opts.host ?? web.host;
      const port = opts.port === undefined ? web.port : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${JSON.stringify(opts.port)} must be a port number (0-65535)`);
      const log = createLogger();
      const { ctx, close } = await openContext(loaded, { log, serve: true, tolerateOutage: true });
      const stateDir = loaded.config.worker.stateDir;
      const jobs = new JobQueue({
        capacity: web.queue, concurrency: web.concurrency, dir: path.join(stateDir, 'jobs'),
        onEvent: (job, event) => log.info({ job: job.id, kind: job.kind, customer: job.customer, by: job.by, state: job.state, error: job.error }, `job ${event}`),
      });
      const app = await buildApp({ loaded, ctx, tokens: new TokenStore(stateDir), jobs });
      try {
        const address = await app.listen({ host, port });
        if (!LOOPBACK.has(host)) log.warn({ host }, 'listening beyond loopback: put TLS (a reverse proxy) in front, since tokens and session cookies cross the network');
        say(`serving the web app and API at ${address} (stop with Ctrl-C or SIGTERM)`);
        if (opts.withWorker) {
          log.info({ customers: loaded.config.customers.length }, 'worker started');
          await runForever(ctx, () => Date.now(), log, loaded.config.worker.shutdownGraceSeconds * 1000);
        } else {
          await new Promise<void>((resolve) => {
            process.once('SIGINT', () => resolve());
            process.once('SIGTERM', () => resolve());
          });
        }
        log.info('stopping: no new requests; waiting for the jobs in progress');
        await app.close();
        await jobs.drained();
      } finally {
        await app.close().catch(() => undefined);
        await close();
      }
    });

  const tokens = program.command('tokens').description('API tokens for the web app and the HTTP API (stored hashed in worker.stateDir).');
  tokens
    .command('create')
    .description('Create a token and print it once on stdout; only its hash is kept.')
    .option(...configFileOption())
    .requiredOption('--name <name>', 'a name for the token (who or what uses it); shown in the audit trail')
    .requiredOption('--scope <list>', `comma-separated scopes: ${SCOPES.join(', ')} (each implies read; admin implies all)`)
    .option('--customer <id...>', 'limit the token to these customers (repeatable); default every customer')
    .option('--expires <duration>', 'valid for this long (90d, 12h); default never expires')
    .action((opts: { config: string; name: string; scope: string; customer?: string[]; expires?: string }) => {
      const { config } = loadConfig(opts.config);
      const scopes = opts.scope.split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of scopes) if (!(SCOPES as readonly string[]).includes(s)) throw new UsageError(`--scope ${JSON.stringify(s)} is not one of ${SCOPES.join(', ')}`);
      if (scopes.length === 0) throw new UsageError(`--scope is empty; use one or more of ${SCOPES.join(', ')}`);
      const customers = opts.customer?.map((c) => tenantIdFlag('--customer', c));
      for (const c of customers ?? []) if (!config.customers.some((cu) => cu.id === c)) throw new UsageError(`--customer ${JSON.stringify(c)} is not in ${opts.config}`);
      const expiresAtMs = opts.expires === undefined ? undefined : Date.now() + parseDuration(opts.expires, '--expires');
      const store = new TokenStore(config.worker.stateDir);
      let created;
      try {
        created = store.create({ name: opts.name, scopes: scopes as Scope[], ...(customers ? { customers } : {}), ...(expiresAtMs !== undefined ? { expiresAtMs } : {}), createdBy: `cli:${os.userInfo().username}` });
      } catch (err) {
        throw new UsageError(`--name: ${(err as Error).message}`);
      }
      process.stdout.write(`${created.token}\n`);
      say(`token ${created.record.name} (id ${created.record.id}): ${created.record.scopes.join(', ')}${customers ? ` for ${customers.join(', ')}` : ' for every customer'}${created.record.expiresAt ? `, expires ${created.record.expiresAt}` : ''}. It is shown only now; keep it secret.`);
    });
  tokens
    .command('list')
    .description('List the tokens (never the tokens themselves).')
    .option(...configFileOption())
    .option('--json', 'one JSON object per line')
    .action((opts: { config: string; json?: boolean }) => {
      const { config } = loadConfig(opts.config);
      const records = new TokenStore(config.worker.stateDir).list().map(({ hash: _hash, ...r }) => r);
      if (opts.json) {
        for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const state = (r: (typeof records)[number]) => (r.revokedAt ? `revoked ${r.revokedAt.slice(0, 16)}Z` : r.expiresAt && Date.parse(r.expiresAt) <= Date.now() ? 'expired' : 'valid');
      process.stdout.write(formatTable(['id', 'name', 'scopes', 'customers', 'state', 'expires', 'created'], records.map((r) => [
        r.id, r.name, r.scopes.join(','), r.customers?.join(',') ?? 'all', state(r), r.expiresAt?.slice(0, 16) ?? 'never', `${r.createdAt.slice(0, 16)}Z by ${r.createdBy}`,
      ])));
    });
  tokens
    .command('revoke')
    .description('Revoke a token by id or name: its requests and browser sessions are refused from the next request on.')
    .argument('<id-or-name>')
    .option(...configFileOption())
    .action((idOrName: string, opts: { config: string }) => {
      const { config } = loadConfig(opts.config);
      const r = new TokenStore(config.worker.stateDir).revoke(idOrName);
      if (!r) throw new UsageError(`no valid token with id or name ${JSON.stringify(idOrName)} (see \`attack-report tokens list\`)`);
      say(`revoked token ${r.name} (id ${r.id})`);
    });
}
