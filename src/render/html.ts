import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { ReportModel } from '../report/model.js';
import { chartSpecs } from '../charts/specs.js';
import { renderChart, type RenderedChart } from '../charts/render.js';
import { vectorColours } from '../charts/palette.js';
import { fontFaceCss, MONO_STACK, SANS_STACK } from './fonts.js';
import { CONTENTS_MARKER, withContents } from './contents.js';
import { TEMPLATES_DIR } from '../util/paths.js';
import { displayText, revealHiddenDeep } from '../util/display.js';
import { breakableHtml } from './breakable.js';
import { DEFAULT_BRANDING, type Branding } from './branding.js';
import { DEFAULT_PAGE, pageCss, runningTextCss, type PageSetup } from './page.js';
import { checkCompiles, partialNames, readOverride } from './template-files.js';
import { ordinal } from '../analysis/attack-history.js';
import {
  formatBps, formatBytes, formatCount, formatDate, formatDuration, formatFineShare, formatPercent, formatPps, formatRps, formatTime, signedPercent,
} from '../util/format.js';

/** Telemetry text for a table cell: hidden characters shown as markers, cut to `max` characters (see util/display.ts). */
export function truncate(value: unknown, max: number): string {
  return displayText(value, { maxChars: max });
}

/** Longest telemetry text a template shows when it names no length: a vector name, a host, a mitigation system. */
const DEFAULT_DISPLAY_CHARS = 60;

/** Compiled templates per override directory ('' = the built-in templates only). */
const templates = new Map<string, Handlebars.TemplateDelegate>();
let css: string | undefined;

/**
 * The report template: the built-in layout and partials, each replaced by a file of the same name in
 * `overridesDir` when there is one (report.hbs for the layout, partials/<name>.hbs for a partial), so a
 * provider can change any part of the report without forking the project.
 */
function compile(overridesDir = ''): Handlebars.TemplateDelegate {
  const cached = templates.get(overridesDir);
  if (cached) return cached;
  // An isolated instance: helpers and partials never leak into other users of the global Handlebars.
  const h = Handlebars.create();
  h.registerHelper('fmtBps', (v: number) => formatBps(v));
  h.registerHelper('fmtPps', (v: number) => formatPps(v));
  h.registerHelper('fmtRps', (v: number) => formatRps(v));
  h.registerHelper('fmtBytes', (v: number) => formatBytes(v));
  h.registerHelper('fmtCount', (v: number) => formatCount(v));
  h.registerHelper('fmtDuration', (v: number) => formatDuration(v));
  h.registerHelper('fmtTime', (iso: string, tz: string) => formatTime(iso, tz));
  h.registerHelper('fmtDate', (iso: string, tz: string) => formatDate(iso, tz));
  // The window's end is exclusive: a report to 00:00 on the 8th covers up to and including the 7th.
  h.registerHelper('fmtDateEnd', (iso: string, tz: string) => formatDate(new Date(Date.parse(iso) - 1).toISOString(), tz));
  h.registerHelper('pct', (v: number | null) => formatPercent(v));
  h.registerHelper('signedPct', (v: number | null) => signedPercent(v));
  h.registerHelper('fmtUnit', (v: number, unit: string) => {
    const byUnit: Record<string, (x: number) => string> = { bytes: formatBytes, bps: formatBps, pps: formatPps, rps: formatRps, packets: formatCount, events: formatCount };
    return (byUnit[unit] ?? ((x: number) => String(x)))(v);
  });
  h.registerHelper('pctOf', (part: number, whole: number) => formatPercent(whole > 0 ? part / whole : null));
  h.registerHelper('fineShare', (v: number) => formatFineShare(v));
  // A value is worth a rule when the attack is mostly made of it and the baseline hardly has it.
  h.registerHelper('separates', (attack: number, baseline: number) => attack >= 0.5 && baseline < 0.01);
  h.registerHelper('kindLabel', (kind: string) => RULE_KIND_LABELS[kind] ?? kind);
  h.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  h.registerHelper('ordinal', (v: number) => ordinal(v));
  // Telemetry text, the one way templates show it: markers for hidden characters, capped, isolated from the
  // direction of the text around it (<bdi>), escaped. `truncate` is the older name, kept for providers' templates.
  const show = (v: unknown, max: unknown) =>
    new h.SafeString(`<bdi>${h.escapeExpression(displayText(v, { maxChars: typeof max === 'number' ? max : DEFAULT_DISPLAY_CHARS }))}</bdi>`);
  h.registerHelper('show', show);
  h.registerHelper('truncate', show);
  h.registerHelper('join', (items: unknown) =>
    new h.SafeString(Array.isArray(items) ? items.map((v) => show(v, DEFAULT_DISPLAY_CHARS).toString()).join(', ') : ''));
  // Hosts, paths and addresses in table cells: escaped, then given places to wrap between their parts.
  h.registerHelper('breakable', (v: unknown) =>
    new h.SafeString(breakableHtml(v instanceof h.SafeString ? v.toHTML() : h.escapeExpression(v === null || v === undefined ? '' : String(v)))));
  // Overrides are operator files: read through readOverride (regular files inside the directory, bounded) and
  // compiled once here, so that a mistake is reported with its file before any report is built.
  const source = (relative: string) => {
    const override = overridesDir ? readOverride(overridesDir, relative) : undefined;
    if (override === undefined) return fs.readFileSync(path.join(TEMPLATES_DIR, relative), 'utf8');
    checkCompiles(h, path.join(overridesDir, relative), override);
    return override;
  };
  const names = new Set([...partialNames(TEMPLATES_DIR), ...(overridesDir ? partialNames(overridesDir) : [])]);
  for (const name of names) h.registerPartial(name, source(path.join('partials', `${name}.hbs`)));
  const template = h.compile(source('report.hbs'), { strict: false });
  templates.set(overridesDir, template);
  return template;
}

/**
 * Reads and compiles the templates of an override directory now (UsageError naming the file when one is not a
 * regular file inside it, is too large or does not compile), so the CLI can refuse it before any work.
 */
export function loadTemplates(overridesDir: string): void {
  compile(path.resolve(overridesDir));
}

/**
 * The signatures the report shows: one per vector of the window; in an incident report, the attack's own per
 * vector (its id's traffic only) and, for vectors of other attacks in the window, the window's.
 */
function signatureItems(model: ReportModel): ReportModel['signatures']['items'] {
  const perVector = model.signatures.items.filter((x) => x.scope === 'vector');
  const incident = model.incident;
  if (!incident) return perVector;
  const own = model.signatures.items.filter((x) => x.scope === 'attack' && x.attackId === incident.attackId && x.layer === incident.attack.layer);
  return [...own, ...perVector.filter((v) => !own.some((o) => o.layer === v.layer && o.vector === v.vector))];
}

const RULE_KIND_LABELS: Record<string, string> = {
  'magic-firewall': 'Magic Firewall rule',
  nftables: 'nftables',
  iptables: 'iptables',
  'waf-custom-rule': 'WAF custom rule',
  'rate-limiting-rule': 'Rate limiting rule',
};

/** Where the template's `{{{fontFaces}}}` goes until the text is known. Telemetry cannot forge it: Handlebars escapes `=`. */
const FONT_FACES_MARKER = '/*=font-faces=*/';

export interface RenderedHtml {
  html: string;
  charts: RenderedChart[];
}

/**
 * Renders the model to one self-contained HTML document: CSS, fonts and chart images are inlined and a
 * Content-Security-Policy forbids loading anything else. Every value from telemetry is HTML-escaped by
 * Handlebars' {{ }}; the template never uses {{{ }}} on data.
 */
export async function renderHtml(
  model: ReportModel,
  branding: Branding = DEFAULT_BRANDING,
  templatesDir?: string,
  page: PageSetup = DEFAULT_PAGE,
): Promise<RenderedHtml> {
  const tpl = compile(templatesDir ? path.resolve(templatesDir) : '');
  // Templates, built-in or a provider's, only ever see telemetry with its hidden characters shown as markers;
  // the JSON keeps the values as they were.
  model = revealHiddenDeep(model);
  // Charts are SVG written by our own layout (src/charts): `svg` is markup we generated with every label
  // escaped, the only data-derived value the template inserts unescaped.
  const charts = chartSpecs(model).map(renderChart);
  const colours = Object.fromEntries(vectorColours(model.vectors.map((v) => v.vector)));
  const tenantName = model.tenant.accountName ?? model.tenant.accountId;
  const tz = model.window.timezone;
  const incident = model.incident;
  const period = incident
    ? `attack ${displayText(incident.attackId, { maxChars: 128 })}, ${formatDate(incident.attack.start, tz)}`
    : formatDate(model.window.from, tz);
  const html = tpl({
    model,
    brand: branding,
    tz,
    title: `${branding.reportTitle}: ${tenantName}, ${period}`,
    // Colours were checked as #rrggbb when the branding was loaded, so they can go into CSS as they are.
    brandCss:
      `:root{--accent:${branding.colours.accent};--cover-from:${branding.colours.coverFrom};--cover-to:${branding.colours.coverTo};` +
      `--font-sans:${SANS_STACK};--font-mono:${MONO_STACK};}${pageCss(page)}` +
      runningTextCss(
        {
          headerLeft: `${tenantName} · ${branding.reportTitle}`,
          headerRight: incident
            ? `Attack ${displayText(incident.attackId, { maxChars: 128 })} · ${formatDate(incident.attack.start, tz)}`
            : `${formatDate(model.window.from, tz)} – ${formatDate(new Date(Date.parse(model.window.to) - 1).toISOString(), tz)}`,
          footerLeft: `${model.reportId}${branding.footer ? ` · ${branding.footer}` : ''}`,
        },
        SANS_STACK,
      ),
    tenantName,
    colours,
    hasDetected: model.attacks.some((a) => a.source === 'detected'),
    signatureItems: signatureItems(model),
    css: (css ??= fs.readFileSync(path.join(TEMPLATES_DIR, 'report.css'), 'utf8')),
    fontFaces: FONT_FACES_MARKER,
    contents: CONTENTS_MARKER,
    timelineCharts: charts.filter((c) => c.id.startsWith('timeline-')),
    vectorCharts: charts.filter((c) => c.id.startsWith('vectors-')),
    mitigationCharts: charts.filter((c) => c.id.startsWith('mitigation-')),
    layerVectorCount: {
      l34: model.vectors.filter((v) => v.layer === 'L3/4').length,
      l7: model.vectors.filter((v) => v.layer === 'L7').length,
    },
  });
  // The contents list reads the headings the templates produced; the fonts embedded depend on the text the
  // document ended up holding, so they go in last.
  const withToc = withContents(html);
  return { html: withToc.replace(FONT_FACES_MARKER, () => fontFaceCss(withToc)), charts };
}
