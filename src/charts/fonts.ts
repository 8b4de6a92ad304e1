import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The report's typeface ships with the project (@fontsource, OFL): charts and HTML never use system fonts. */
export const FONT_FAMILY = 'Inter';

export interface FontFile {
  weight: number;
  subset: string;
  file: string;
}

const WEIGHTS = [400, 600, 700];
const SUBSETS = ['latin', 'latin-ext', 'cyrillic', 'greek'];

export function interFontFiles(): FontFile[] {
  const dir = path.join(path.dirname(require.resolve('@fontsource/inter/package.json')), 'files');
  return WEIGHTS.flatMap((weight) => SUBSETS.map((subset) => ({ weight, subset, file: path.join(dir, `inter-${subset}-${weight}-normal.woff2`) })));
}
