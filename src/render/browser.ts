import fs from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';
import { RuntimeFailure, errorMessage } from '../errors.js';

const SYSTEM_BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export interface BrowserChoice {
  executablePath: string;
  source: 'PUPPETEER_EXECUTABLE_PATH' | 'system' | '@sparticuz/chromium';
}

/**
 * Finds a Chromium in this order: PUPPETEER_EXECUTABLE_PATH, a system Chromium/Chrome, then the Chromium
 * shipped inside the @sparticuz/chromium npm package (so a fresh `npm install` can print PDFs with nothing
 * installed by hand).
 */
export async function resolveBrowser(env: { PUPPETEER_EXECUTABLE_PATH?: string | undefined }): Promise<BrowserChoice> {
  if (env.PUPPETEER_EXECUTABLE_PATH) {
    if (!fs.existsSync(env.PUPPETEER_EXECUTABLE_PATH)) {
      throw new RuntimeFailure(`PUPPETEER_EXECUTABLE_PATH points to ${env.PUPPETEER_EXECUTABLE_PATH}, which does not exist`);
    }
    return { executablePath: env.PUPPETEER_EXECUTABLE_PATH, source: 'PUPPETEER_EXECUTABLE_PATH' };
  }
  const system = SYSTEM_BROWSERS.find((p) => fs.existsSync(p));
  if (system) return { executablePath: system, source: 'system' };
  try {
    const { default: chromium } = await import('@sparticuz/chromium');
    return { executablePath: await chromium.executablePath(), source: '@sparticuz/chromium' };
  } catch (err) {
    throw new RuntimeFailure(
      `no Chromium found (${errorMessage(err)}). Install one (Debian: apt-get install chromium) or set PUPPETEER_EXECUTABLE_PATH.`,
    );
  }
}

/** Flags that keep a headless Chromium from reaching the network on its own (updates, sync, metrics). */
const QUIET_FLAGS = [
  '--headless=new', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps',
  '--disable-extensions', '--disable-domain-reliability', '--disable-quic', '--metrics-recording-only',
  '--mute-audio', '--font-render-hinting=none',
];

export async function launchBrowser(env: { PUPPETEER_EXECUTABLE_PATH?: string | undefined }): Promise<Browser> {
  const choice = await resolveBrowser(env);
  const args = [...QUIET_FLAGS];
  // Chromium's sandbox needs unprivileged user namespaces, which containers and root shells often lack.
  if (process.getuid?.() === 0 || choice.source === '@sparticuz/chromium') args.push('--no-sandbox');
  try {
    // Over a pipe rather than a WebSocket: Chromium exits by itself when the pipe closes, so a process killed
    // with SIGKILL leaves no browser behind.
    return await puppeteer.launch({ executablePath: choice.executablePath, args, headless: true, pipe: true, timeout: 30_000, protocolTimeout: 60_000 });
  } catch (err) {
    throw new RuntimeFailure(`cannot start Chromium at ${choice.executablePath} (${choice.source}): ${errorMessage(err)}`);
  }
}
