/**
 * A long-lived PDF renderer: one Chromium per process, reused across reports, with pages reused too (a page
 * that failed is closed, never reused). It bounds how many reports print at once, puts a deadline
 * on every print, and when Chromium crashes or hangs it throws that browser away (killing its processes) and
 * retries the report once on a fresh one. The browser is also replaced after a number of reports or when its
 * processes use more memory than a bound, so a batch of any length runs in bounded memory.
 */
import fs from 'node:fs';
import type { Browser } from 'puppeteer-core';
import type { ReportModel } from '../report/model.js';
import { launchBrowser } from './browser.js';
import { printPdf } from './pdf.js';
import { ReportPagePool } from './report-page.js';
import type { Branding } from './branding.js';
import type { PageSetup } from './page.js';
import { RuntimeFailure, errorMessage } from '../errors.js';
import { processAlive } from '../util/process.js';

export interface RendererOptions {
  env: { PUPPETEER_EXECUTABLE_PATH?: string | undefined };
  /** Reports printed at the same time. */
  concurrency?: number;
  /** Deadline of one print (page, content, PDF), in ms. */
  printTimeoutMs?: number;
  /** A browser is replaced after this many reports... */
  maxReportsPerBrowser?: number;
  /** ...or when its process tree uses more memory (proportional set size) than this. */
  maxBrowserMemoryBytes?: number;
  /** Called with one line on each recycle and retry, for the log. */
  onEvent?: (message: string) => void;
}

export interface RendererStats {
  printed: number;
  retried: number;
  browsersLaunched: number;
}

export class PdfRenderer {
  private browser: Promise<Browser> | null = null;
  /** Reports printed on each browser. */
  private readonly printedOn = new Map<Promise<Browser>, number>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Prints running on each browser, so that a retired browser is closed when its last print ends. */
  private readonly inFlight = new Map<Promise<Browser>, number>();
  /** Browsers replaced while prints were still running on them. */
  private readonly retired = new Set<Promise<Browser>>();
  private closed = false;
  private readonly pages = new ReportPagePool();
  readonly stats: RendererStats = { printed: 0, retried: 0, browsersLaunched: 0 };
  private readonly opts: Required<Omit<RendererOptions, 'onEvent'>> & Pick<RendererOptions, 'onEvent'>;

  constructor(opts: RendererOptions) {
    this.opts = {
      concurrency: 2, printTimeoutMs: 30_000, maxReportsPerBrowser: 200, maxBrowserMemoryBytes: 1024 ** 3, ...opts,
    };
  }

  /** Starts the browser now (so its start-up overlaps other work); printing would start it anyway. */
  warmUp(): Promise<Browser> {
    return this.currentBrowser();
  }

  /** The running browser's process id, for tests and diagnostics. */
  async browserPid(): Promise<number | undefined> {
    return (await this.currentBrowser()).process()?.pid;
  }

  /** Prints one report; on a crash or hang, once more on a fresh browser. Blocked requests are returned, not retried. */
  async print(html: string, model: ReportModel, branding?: Branding, page?: PageSetup): Promise<{ pdf: Buffer; blockedRequests: string[] }> {
    await this.acquire();
    try {
      const first = this.currentBrowser();
      try {
        return await this.printOnce(first, html, model, branding, page);
      } catch (err) {
        if (this.closed) throw err;
        this.stats.retried++;
        this.opts.onEvent?.(`report ${model.reportId}: ${errorMessage(err)}; retrying on a fresh browser`);
        // Another report may already have replaced the broken browser; only the one that failed is shut down.
        if (this.browser === first) await this.recycle('after a failed print');
        return await this.printOnce(this.currentBrowser(), html, model, branding, page);
      }
    } finally {
      this.release();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const browsers = [this.browser, ...this.retired].filter((b): b is Promise<Browser> => b !== null);
    this.browser = null;
    this.retired.clear();
    await Promise.all(browsers.map(async (b) => {
      const browser = await b.catch(() => null);
      if (browser) this.pages.drop(browser);
      await shutDown(browser);
    }));
  }

  private async printOnce(browserPromise: Promise<Browser>, html: string, model: ReportModel, branding?: Branding, page?: PageSetup) {
    this.inFlight.set(browserPromise, (this.inFlight.get(browserPromise) ?? 0) + 1);
    let timer: NodeJS.Timeout | undefined;
    try {
      const browser = await browserPromise;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RuntimeFailure(`printing took longer than ${this.opts.printTimeoutMs} ms`)), this.opts.printTimeoutMs);
      });
      // Pages are reused (see report-page.ts); a browser context per report would cost a new renderer process
      // each time (about 0.25 s here) and isolate nothing more: pages run no JavaScript, make no requests and
      // keep no storage. A page that failed in any way is closed, never reused.
      const slot = await Promise.race([this.pages.take(browser), deadline]);
      let result: Awaited<ReturnType<typeof printPdf>>;
      try {
        result = await Promise.race([printPdf(slot, html, model, this.opts.printTimeoutMs, branding, page), deadline]);
      } catch (err) {
        this.pages.discard(slot);
        throw err;
      }
      this.pages.give(browser, slot, this.browser === browserPromise);
      this.stats.printed++;
      this.printedOn.set(browserPromise, (this.printedOn.get(browserPromise) ?? 0) + 1);
      if (this.browser === browserPromise && this.isWorn(browserPromise, browser)) this.retire(browserPromise);
      return result;
    } finally {
      clearTimeout(timer);
      const left = (this.inFlight.get(browserPromise) ?? 1) - 1;
      if (left > 0) this.inFlight.set(browserPromise, left);
      else this.inFlight.delete(browserPromise);
      // The last print on a retired browser closes it.
      if (left <= 0 && this.retired.delete(browserPromise)) {
        this.printedOn.delete(browserPromise);
        const retiredBrowser = await browserPromise.catch(() => null);
        if (retiredBrowser) this.pages.drop(retiredBrowser);
        await shutDown(retiredBrowser);
      }
    }
  }

  private currentBrowser(): Promise<Browser> {
    if (this.closed) return Promise.reject(new RuntimeFailure('the PDF renderer is closed'));
    if (!this.browser) {
      this.stats.browsersLaunched++;
      const launching = launchBrowser(this.opts.env);
      this.browser = launching;
      launching.then(
        (b) => b.on('disconnected', () => {
          if (this.browser === launching) this.browser = null;
        }),
        () => {
          if (this.browser === launching) this.browser = null;
        },
      );
    }
    return this.browser;
  }

  /** Whether the browser has printed enough reports, or grown too large, to be replaced. */
  private isWorn(browserPromise: Promise<Browser>, browser: Browser): boolean {
    const printed = this.printedOn.get(browserPromise) ?? 0;
    if (printed >= this.opts.maxReportsPerBrowser) return true;
    const pid = browser.process()?.pid;
    // Measuring walks the processes' page tables (about 20 ms), so it is done every tenth report.
    return pid !== undefined && printed % 10 === 0 && processTreeMemory(pid) > this.opts.maxBrowserMemoryBytes;
  }

  /**
   * New prints go to a fresh browser from now on; this one is closed when the prints still running on it end
   * (at once if there are none), so a batch that never pauses still gets its browser replaced.
   */
  private retire(browserPromise: Promise<Browser>): void {
    this.browser = null;
    this.opts.onEvent?.(`replacing the browser after ${this.printedOn.get(browserPromise) ?? 0} reports or above the memory bound`);
    this.retired.add(browserPromise);
  }

  private async recycle(why: string): Promise<void> {
    const old = this.browser;
    this.browser = null;
    if (old) this.printedOn.delete(old);
    this.opts.onEvent?.(`recycling the browser ${why}`);
    const browser = old ? await old.catch(() => null) : null;
    if (browser) this.pages.drop(browser);
    await shutDown(browser);
  }

  private acquire(): Promise<void> {
    if (this.active < this.opts.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => {
      this.active++;
      resolve();
    }));
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

/** Closes a browser, and kills its process tree if it does not go within a few seconds. */
async function shutDown(browser: Browser | null): Promise<void> {
  if (!browser) return;
  const pid = browser.process()?.pid;
  const closing = browser.close().catch(() => undefined);
  const timedOut = await Promise.race([closing.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 3000).unref())]);
  if (pid !== undefined && (timedOut || processAlive(pid))) killTree(pid);
}

/** Children of a process (started by any of its threads), from /proc (Linux); empty elsewhere. */
export function childPids(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).flatMap((task) => {
      try {
        return fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** The process and all its descendants. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...childPids(out[i]!));
  return out;
}

/**
 * Memory of a process tree in bytes: the proportional set size of each process (shared pages split between the
 * processes sharing them, so Chromium's many processes are not counted several times over), from Linux /proc;
 * resident size where PSS is not available; 0 where unreadable.
 */
export function processTreeMemory(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      if (m) {
        total += Number(m[1]) * 1024;
        continue;
      }
    } catch {
      // No smaps_rollup (older kernels): fall back to the resident size.
    }
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return total;
}

function killTree(pid: number): void {
  for (const p of processTree(pid).reverse()) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
