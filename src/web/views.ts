/**
 * The web app's pages: Handlebars templates in templates/web/, compiled once, each rendered inside the layout.
 * Handlebars escapes every value; text that came from telemetry or from users (reasons, errors, names) is also
 * passed through displayText() so that hidden characters show as markers, never act.
 */
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { displayText } from '../util/display.js';
import { formatBps, formatDuration, formatPps, formatRps } from '../util/format.js';
import { TEMPLATES_DIR } from '../util/paths.js';

const WEB_TEMPLATES = path.join(TEMPLATES_DIR, 'web');
const h = Handlebars.create();
h.registerHelper('show', (v: unknown) => displayText(v, { maxChars: 500 }));
h.registerHelper('eq', (a: unknown, b: unknown) => a === b);
h.registerHelper('minute', (iso: unknown) => (typeof iso === 'string' && iso.length >= 16 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}${iso.endsWith('Z') ? ' UTC' : ` ${iso.slice(19)}`}` : ''));
h.registerHelper('kb', (bytes: unknown) => (typeof bytes === 'number' ? `${Math.max(1, Math.round(bytes / 1024)).toLocaleString('en')} KB` : ''));
h.registerHelper('minutes', (s: unknown) => (typeof s === 'number' ? formatDuration(s) : ''));
h.registerHelper('peak', (a: { layer?: string; peakBps?: number; peakPps?: number; peakRps?: number }) =>
  a.layer === 'L7' ? formatRps(a.peakRps ?? 0) : `${formatBps(a.peakBps ?? 0)}, ${formatPps(a.peakPps ?? 0)}`);
h.registerHelper('seconds', (ms: unknown) => (typeof ms === 'number' ? `${(ms / 1000).toFixed(1)} s` : ''));

const partials = path.join(WEB_TEMPLATES, 'partials');
for (const f of fs.readdirSync(partials).filter((n) => n.endsWith('.hbs'))) h.registerPartial(f.slice(0, -4), fs.readFileSync(path.join(partials, f), 'utf8'));

/** The app's one stylesheet (a file, so that the pages' policy can forbid inline styles). */
export const APP_CSS = fs.readFileSync(path.join(WEB_TEMPLATES, 'app.css'), 'utf8');

const compiled = new Map<string, Handlebars.TemplateDelegate>();
function template(name: string): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = h.compile(fs.readFileSync(path.join(WEB_TEMPLATES, `${name}.hbs`), 'utf8'), { strict: false });
    compiled.set(name, t);
  }
  return t;
}

export interface PageContext {
  title: string;
  /** The signed-in principal's name; absent on the login page. */
  user?: string;
  /** The session's CSRF token, put in every form. */
  csrf?: string;
  /** Seconds after which the page reloads itself (a job in progress); no script needed. */
  refreshSeconds?: number;
  [key: string]: unknown;
}

export function renderPage(name: string, ctx: PageContext): string {
  const body = template(name)(ctx);
  return template('layout')({ ...ctx, body });
}
