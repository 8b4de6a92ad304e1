/**
 * The files of a template override directory (--templates): report.hbs and partials/<name>.hbs. Each is a
 * regular file inside the directory (not a symbolic link, not a pipe or device, not resolving elsewhere), of
 * bounded size, and compiles: Handlebars compiles lazily, at first use, so a syntax error would otherwise surface
 * in the middle of a report without the file's name.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Handlebars from 'handlebars';
import { UsageError } from '../errors.js';
import { readRegularFile } from '../util/read-file.js';

/** The built-in report.hbs is 3 KB; a template beyond this is a wrong file, not a template. */
export const MAX_TEMPLATE_BYTES = 256 * 1024;

/** The text of `relative` (report.hbs, partials/x.hbs) in the override directory, or undefined when it has none. */
export function readOverride(dir: string, relative: string): string | undefined {
  const file = path.join(dir, relative);
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (stat.isSymbolicLink()) throw new UsageError(`the template ${file} is a symbolic link; --templates takes the files themselves`);
  // The file itself is not a link; a linked directory on the way (partials/ → elsewhere) is caught here.
  const real = fs.realpathSync(file);
  const root = fs.realpathSync(dir);
  if (!real.startsWith(root + path.sep)) throw new UsageError(`the template ${file} resolves to ${real}, outside the --templates directory ${root}`);
  return readRegularFile(file, { what: 'the template', maxBytes: MAX_TEMPLATE_BYTES, noSymlink: true }).toString('utf8');
}

/** Names of the partials (`partials/<name>.hbs`) in a directory, none when it has no partials/. */
export function partialNames(dir: string): string[] {
  const partials = path.join(dir, 'partials');
  if (!fs.existsSync(partials)) return [];
  return fs.readdirSync(partials).filter((f) => f.endsWith('.hbs')).map((f) => f.slice(0, -'.hbs'.length));
}

/** Compiles `source` now, so that a syntax error is reported with the file's name (and line) before any work. */
export function checkCompiles(h: typeof Handlebars, file: string, source: string): void {
  try {
    h.precompile(source, { strict: false });
  } catch (err) {
    const e = err as { message?: string; lineNumber?: number; column?: number };
    const message = String(e.message ?? err);
    const where = e.lineNumber !== undefined && !/line \d+/.test(message) ? ` (line ${e.lineNumber}, column ${(e.column ?? 0) + 1})` : '';
    throw new UsageError(`the template ${file} does not compile${where}: ${message.split('\n').join('\n    ')}`);
  }
}
