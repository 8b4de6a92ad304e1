/**
 * A data directory served as a real ClickHouse server on loopback, owned by this process: started in a child
 * (server-child.ts), announced in the discovery file, restarted on the same ports if it dies, and stopped with
 * its owner. The child cannot outlive the owner: its last statement reads the pipe the owner holds.
 *
 * Exposure: the engine's own session runs as its `default` user without a password from loopback, and that user
 * cannot be restricted without breaking the engine (README "Local server"), so every local account that can
 * open a loopback connection can query this server. It never listens beyond loopback.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../util/paths.js';
import { RuntimeFailure } from '../errors.js';
import { pingUrl, removeDiscovery, writeDiscovery } from './discovery.js';
import { mkdirOwnerOnly } from '../util/private-files.js';

export const LOOPBACK = '127.0.0.1';
const CHILD_SCRIPT = path.join(PACKAGE_ROOT, 'dist', 'src', 'clickhouse', 'server-child.js');
const READY_TIMEOUT_MS = 30_000;
const STDERR_TAIL_BYTES = 4096;
const RESTART_DELAYS_MS = [500, 1000, 2000, 5000, 10_000, 30_000];

export type ServerEvent =
  | { kind: 'started'; url: string; pid: number }
  | { kind: 'died'; reason: string; pid: number }
  | { kind: 'restarted'; url: string; pid: number; attempt: number }
  | { kind: 'restart-failed'; reason: string; attempt: number; retryInMs: number };

export interface LocalServerOptions {
  dataDir: string;
  /** A ClickHouse configuration file for the engine (e.g. `<remote_servers>` for a cluster). */
  configFile?: string;
  /** Fixed ports; by default free ones are chosen. */
  httpPort?: number;
  tcpPort?: number;
  /** Announce the server in the data directory's discovery file (default true). */
  announce?: boolean;
  onEvent?: (event: ServerEvent) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Why a start failed, in the words a user needs: the lock is the usual case. */
function explainStartFailure(dataDir: string, stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  // The engine's exception line says what went wrong; the lines after it are often advice for other setups.
  const tail = lines.find((l) => /DB::Exception/.test(l)) ?? lines.slice(-3).join(' | ');
  if (/Cannot lock file|LOCKED|status/i.test(stderr) && /lock/i.test(stderr)) {
    return `the data directory ${dataDir} is in use by another process: a command that opened it in-process (generate, ingest, seed; wait for it to finish), or another server starting on it: ${tail}`;
  }
  if (/Address already in use|NETWORK_ERROR|bind/i.test(stderr)) return `a port was taken: ${tail}`;
  return tail || 'the engine exited without a message';
}

export class LocalServer {
  private child: ChildProcess | undefined;
  /** The FIFO whose only writer we hold: the server's lifeline (server-child.ts). */
  private lifeline: { dir: string; fd: number } | undefined;
  private stopping = false;
  private stderrTail = '';
  private restartTimer: NodeJS.Timeout | undefined;
  private constructor(
    private readonly opts: LocalServerOptions,
    readonly httpPort: number,
    readonly tcpPort: number,
  ) {}

  get url(): string {
    return `http://${LOOPBACK}:${this.httpPort}/`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts a server on the data directory and waits until it answers; retries with other ports if one is taken. */
  static async start(opts: LocalServerOptions): Promise<LocalServer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = new LocalServer(opts, opts.httpPort ?? (await freePort()), opts.tcpPort ?? (await freePort()));
      try {
        await server.launch();
        opts.onEvent?.({ kind: 'started', url: server.url, pid: server.pid ?? 0 });
        return server;
      } catch (err) {
        lastError = err;
        // Only a port race is worth another try with new ports.
        if (!(err instanceof RuntimeFailure && /a port was taken/.test(err.message)) || opts.httpPort !== undefined) break;
      }
    }
    throw lastError;
  }

  /**
   * A new FIFO in a private temporary directory, opened read-write: on Linux that open does not wait for a
   * reader, and our descriptor is the only writer (Node opens with O_CLOEXEC, so no child inherits it).
   */
  private openLifeline(): string {
    this.closeLifeline();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-server-'));
    const fifo = path.join(dir, 'lifeline');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    this.lifeline = { dir, fd: fs.openSync(fifo, fs.constants.O_RDWR) };
    return fifo;
  }

  private closeLifeline(): void {
    if (!this.lifeline) return;
    fs.closeSync(this.lifeline.fd);
    fs.rmSync(this.lifeline.dir, { recursive: true, force: true });
    this.lifeline = undefined;
  }

  private async launch(): Promise<void> {
    this.stderrTail = '';
    mkdirOwnerOnly(this.opts.dataDir);
    const fifo = this.openLifeline();
    const args = [CHILD_SCRIPT, this.opts.dataDir, fifo, LOOPBACK, String(this.httpPort), String(this.tcpPort)];
    if (this.opts.configFile) args.push(this.opts.configFile);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exited with code ${code}`)));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const outcome = await Promise.race([exited.then((r) => ({ exited: r })), pingUrl(this.url, 1000).then((ok) => ({ ok }))]);
      if ('exited' in outcome) {
        this.closeLifeline();
        throw new RuntimeFailure(`the local ClickHouse server for ${this.opts.dataDir} did not start: ${explainStartFailure(this.opts.dataDir, this.stderrTail)}`);
      }
      if (outcome.ok) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        this.closeLifeline();
        throw new RuntimeFailure(`the local ClickHouse server for ${this.opts.dataDir} did not answer within ${READY_TIMEOUT_MS / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.once('exit', (code, signal) => this.onUnexpectedExit(child, signal ? `killed by ${signal}` : `exited with code ${code}`));
    if (this.opts.announce !== false) {
      writeDiscovery(this.opts.dataDir, {
        version: 1, ownerPid: process.pid, serverPid: child.pid ?? 0, url: this.url, httpPort: this.httpPort, tcpPort: this.tcpPort, startedAt: new Date().toISOString(),
      });
    }
  }

  private onUnexpectedExit(child: ChildProcess, how: string): void {
    if (this.stopping || child !== this.child) return;
    const detail = this.stderrTail.trim().split('\n').filter(Boolean).slice(-2).join(' | ');
    this.opts.onEvent?.({ kind: 'died', reason: `${how}${detail ? `: ${detail}` : ''}`, pid: child.pid ?? 0 });
    this.scheduleRestart(0);
  }

  private scheduleRestart(attempt: number): void {
    const delay = RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)] ?? 30_000;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      // Same ports: clients keep the URL they were given.
      this.launch().then(
        () => this.opts.onEvent?.({ kind: 'restarted', url: this.url, pid: this.pid ?? 0, attempt: attempt + 1 }),
        (err: unknown) => {
          if (this.stopping) return;
          const next = RESTART_DELAYS_MS[Math.min(attempt + 1, RESTART_DELAYS_MS.length - 1)] ?? 30_000;
          this.opts.onEvent?.({ kind: 'restart-failed', reason: err instanceof Error ? err.message : String(err), attempt: attempt + 1, retryInMs: next });
          this.scheduleRestart(attempt + 1);
        },
      );
    }, delay);
  }

  /** Ends the server: closing its lifeline lets its last statement finish; it is killed if it has not gone in `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.opts.announce !== false) removeDiscovery(this.opts.dataDir);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.closeLifeline();
      return;
    }
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.closeLifeline();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
