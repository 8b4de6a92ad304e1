/**
 * Branding: the provider's name, title, logo, colours, footer, contact and legal notice, from a JSON file with
 * optional per-customer overrides. Every value is validated (colours as #rrggbb, logos as real SVG or PNG files
 * under a size bound), so a branding file can change how a report looks but cannot inject markup or styles.
 */
import path from 'node:path';
import { z } from 'zod';
import { HEADER_TEXT_PROBLEM, headerTextProblem } from '../util/header-text.js';
import { UsageError } from '../errors.js';
import { readRegularFile } from '../util/read-file.js';

export interface Branding {
  /** The provider's name: on the cover, and the PDF's author. */
  name: string;
  /** The report's kind, on the cover and in the PDF title. */
  reportTitle: string;
  logo: { dataUri: string; alt: string } | null;
  colours: { accent: string; coverFrom: string; coverTo: string };
  /** Printed in the footer of every page. */
  footer: string | null;
  contact: string | null;
  legal: string | null;
}

export const DEFAULT_BRANDING: Branding = {
  name: 'Attack Report',
  reportTitle: 'DDoS attack report',
  logo: null,
  colours: { accent: '#1d4ed8', coverFrom: '#0b1f4d', coverTo: '#2563eb' },
  footer: null,
  contact: null,
  legal: null,
};

const MAX_LOGO_BYTES = 512 * 1024;
/** A branding file is a few hundred bytes of JSON; the bound only stops a wrong path (a device, a dump) early. */
const MAX_BRANDING_FILE_BYTES = 1024 * 1024;
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written #rrggbb');
const text = (max: number) => z.string().trim().min(1).max(max);
/** A field that goes into every email's subject too (the provider's name, the report title). */
const oneLine = (max: number) => text(max).refine((v) => headerTextProblem(v) === null, HEADER_TEXT_PROBLEM);

/** The branding fields, for the branding file and for per-customer overrides in the config file. */
export const brandFieldsSchema = z
  .object({
    name: oneLine(80),
    reportTitle: oneLine(80),
    logo: text(1000).describe('path to an SVG or PNG file, relative to the branding file'),
    logoAlt: text(120),
    colours: z.object({ accent: colour, coverFrom: colour, coverTo: colour }).partial().strict(),
    footer: text(160),
    contact: text(200),
    legal: text(1200),
  })
  .partial()
  .strict();

const fileSchema = brandFieldsSchema.extend({ customers: z.record(z.string().min(1), brandFieldsSchema).optional() }).strict();

export type BrandFields = z.infer<typeof brandFieldsSchema>;

/** Reads a branding file and returns the branding for one account: provider values, then the account's overrides. */
export function loadBranding(file: string, accountId: string, extra?: { fields: BrandFields; baseDir: string; source: string }): Branding {
  const { provider, customers } = readBrandingFile(file);
  const merged = mergeFields(mergeFields(provider, customers?.[accountId]), extra?.fields);
  // A logo named by the extra (config file) overrides is relative to the config file.
  const logoBase = extra?.fields.logo ? extra.baseDir : path.dirname(file);
  return toBranding(merged, logoBase, extra?.fields.logo ? extra.source : file);
}

/** The branding from fields alone (no branding file): defaults, then `fields`, logos relative to `baseDir`. */
export function brandingFromFields(fields: BrandFields | undefined, baseDir: string, source: string): Branding {
  return toBranding(fields ?? {}, baseDir, source);
}

function mergeFields(base: BrandFields, over: BrandFields | undefined): BrandFields {
  return over ? { ...base, ...over, colours: { ...base.colours, ...over.colours } } : base;
}

function readBrandingFile(file: string): { provider: BrandFields; customers?: Record<string, BrandFields> } {
  const bytes = readRegularFile(file, { what: 'the branding file', maxBytes: MAX_BRANDING_FILE_BYTES });
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new UsageError(`cannot read the branding file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`).join('\n');
    throw new UsageError(`invalid branding file ${file}:\n${problems}`);
  }
  const { customers, ...provider } = parsed.data;
  return { provider, customers };
}

function toBranding(merged: BrandFields, logoBase: string, source: string): Branding {
  return {
    name: merged.name ?? DEFAULT_BRANDING.name,
    reportTitle: merged.reportTitle ?? DEFAULT_BRANDING.reportTitle,
    logo: merged.logo ? { dataUri: logoDataUri(path.resolve(logoBase, merged.logo), source), alt: merged.logoAlt ?? merged.name ?? '' } : null,
    colours: { ...DEFAULT_BRANDING.colours, ...merged.colours },
    footer: merged.footer ?? null,
    contact: merged.contact ?? null,
    legal: merged.legal ?? null,
  };
}

/** The logo as a data: URI, after checking it really is a PNG or an SVG document of reasonable size. */
function logoDataUri(logo: string, brandingFile: string): string {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(logo, { what: 'the logo', maxBytes: MAX_LOGO_BYTES });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)} (named in ${brandingFile})`);
  }
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  // An SVG shown through <img> can run no script and load nothing, whatever it contains.
  const svg = !png && /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]/i.test(bytes.subarray(0, 4096).toString('utf8'));
  if (!png && !svg) throw new UsageError(`the logo ${logo} is neither a PNG nor an SVG file`);
  return `data:${png ? 'image/png' : 'image/svg+xml'};base64,${bytes.toString('base64')}`;
}
