import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root, found by walking up from this file. The same code runs from src/ (tests) and from
 * dist/src/ (the installed CLI), so fixed relative paths would be wrong in one of them.
 */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'queries'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('attack-report: cannot locate the package root (queries/ not found)');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const QUERIES_DIR = path.join(PACKAGE_ROOT, 'queries');
export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');
export const SCHEMAS_DIR = path.join(PACKAGE_ROOT, 'schemas');
