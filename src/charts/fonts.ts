import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The report's typeface ships with the project (@fontsource, OFL): charts and HTML never use system fonts. */
export const FONT_FAMILY = 'Inter';

export interface FontFile {
  weight: number;
  subset: string;
  file: string;
  /** CSS unicode-range of the subset, from @fontsource's own stylesheet: browsers load a subset only when used. */
  unicodeRange: string;
}

const WEIGHTS = [400, 600, 700];
const SUBSETS = ['latin', 'latin-ext', 'cyrillic', 'cyrillic-ext', 'greek'];

let cached: FontFile[] | undefined;

export function interFontFiles(): FontFile[] {
  if (cached) return cached;
  const root = path.dirname(require.resolve('@fontsource/inter/package.json'));
  const files: FontFile[] = [];
  for (const weight of WEIGHTS) {
    const css = fs.readFileSync(path.join(root, `${weight}.css`), 'utf8');
    for (const subset of SUBSETS) {
      const block = new RegExp(`/\\* inter-${subset}-${weight}-normal \\*/[^}]*unicode-range:\\s*([^;]+);`).exec(css);
      if (!block) continue;
      files.push({ weight, subset, file: path.join(root, 'files', `inter-${subset}-${weight}-normal.woff2`), unicodeRange: block[1]!.trim() });
    }
  }
  cached = files;
  return files;
}
