/**
 * Where report files go: the output directory, checked before any work; file names in the report's own
 * time zone; files owner-only, never half-written, and never replacing an existing report unless asked.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { RuntimeFailure, UsageError, errorMessage } from '../errors.js';
import { mkdirOwnerOnly, writeOwnerOnly } from '../util/private-files.js';
import type { ReportModel } from './model.js';

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'x';

/**
 * `attack-report_<account>[_<zones>]_<from>_<to>`, the window's ends as local times of the report's zone; an
 * incident report is `incident-report_<account>[_<zones>]_<attack id>_<attack's start>`.
 */
export function reportBaseName(model: ReportModel): string {
  const local = (iso: string) => DateTime.fromISO(iso, { zone: model.window.timezone }).toFormat("yyyy-MM-dd'T'HHmm");
  const zones = model.tenant.zoneIds.length ? `_${safe(model.tenant.zoneIds.join('+'))}` : '';
  if (model.incident) return `incident-report_${safe(model.tenant.accountId)}${zones}_${safe(model.incident.attackId)}_${local(model.incident.span.start)}`;
  return `attack-report_${safe(model.tenant.accountId)}${zones}_${local(model.window.from)}_${local(model.window.to)}`;
}

/**
 * Makes `dir` (owner-only when new) and checks that files can be written in it, so a bad `--out` is found before
 * any query or print. Throws a UsageError naming the flag and the path.
 */
export function prepareOutputDir(dir: string, flag = '--out'): void {
  try {
    mkdirOwnerOnly(dir);
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw new UsageError(`${flag} ${dir} is not a directory this user can write reports into (${errorMessage(err)}); give a writable directory, or one that can be created`);
  }
}

/**
 * Writes each format's content as `<base>[-n].<format>` under `dir`. Without `overwrite`, a name already taken
 * by any format gets the next free suffix for all of them (`-2`, `-3`…), so the files of one report stay
 * together and an earlier report is never replaced. Returns the paths written.
 */
export async function writeReportFiles<F extends string>(
  dir: string, base: string, contents: [F, string | Uint8Array][], overwrite = false,
): Promise<{ files: Partial<Record<F, string>>; renamed: boolean }> {
  try {
    mkdirOwnerOnly(dir);
  } catch (err) {
    throw new RuntimeFailure(`cannot create the output directory ${dir}: ${errorMessage(err)}`);
  }
  const taken = (stem: string) => contents.some(([format]) => fs.existsSync(path.join(dir, `${stem}.${format}`)));
  let stem = base;
  for (let n = 2; !overwrite && taken(stem); n++) stem = `${base}-${n}`;
  const files: Partial<Record<F, string>> = {};
  for (const [format, data] of contents) {
    const file = path.join(dir, `${stem}.${format}`);
    // Written aside then moved in, so a reader never sees a half-written report. Without overwrite, link()
    // places it only if the name is still free (rename would replace a file made meanwhile).
    const tmp = `${file}.${process.pid}.partial`;
    try {
      await writeOwnerOnly(tmp, data);
      if (overwrite) {
        await fsp.rename(tmp, file);
      } else {
        await fsp.link(tmp, file).catch(async (err: NodeJS.ErrnoException) => {
          // A filesystem without hard links: an exclusive copy still never replaces anything.
          if (err.code === 'EEXIST') throw err;
          await fsp.copyFile(tmp, file, fs.constants.COPYFILE_EXCL);
        });
        await fsp.rm(tmp);
      }
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      const taken = (err as NodeJS.ErrnoException).code === 'EEXIST';
      throw new RuntimeFailure(taken ? `${file} appeared while the report was being written; nothing was replaced` : `cannot write ${file}: ${errorMessage(err)}`);
    }
    files[format] = file;
  }
  return { files, renamed: stem !== base };
}
