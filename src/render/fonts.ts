import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The report's fonts, all installed from npm (@fontsource, SIL Open Font License): Inter for Latin, Cyrillic
 * and Greek, then Noto fonts for the scripts attackers write into telemetry (CJK, Arabic, Hebrew, Thai,
 * Devanagari, emoji), and Noto Sans Mono for rule expressions. Nothing falls back to system fonts for
 * these scripts, so a report prints the same on every machine.
 *
 * Every family is registered under a private alias, so a system font of the same name can never be picked.
 */
export interface FontFace {
  family: string;
  weight: number;
  file: string;
  /** Code point ranges of this file, from @fontsource's stylesheet: a face is embedded only when the document uses one. */
  ranges: [number, number][];
  /** The same ranges as CSS `unicode-range`. */
  unicodeRange: string;
}

interface FamilySource {
  family: string;
  pkg: string;
  weights: number[];
  /** Subsets left out: a fallback font's Latin subsets are never reached, since Inter comes first. */
  skip?: RegExp;
  /** Only the files holding one of these ranges (the Korean font serves Hangul; Han stays with the SC font). */
  only?: [number, number][];
  /** Code points the stylesheet's ranges list but the font has no glyph for: they are left to later families. */
  lacks?: [number, number][];
  /** Whether characters this family covers are taken off the list for the families after it (not the monospace font, which only rule expressions use). */
  claims: boolean;
}

const HANGUL: [number, number][] = [[0x1100, 0x11ff], [0x3130, 0x318f], [0xa960, 0xa97f], [0xac00, 0xd7af], [0xd7b0, 0xd7ff]];

const LATIN_LIKE = /-(latin|latin-ext|cyrillic|cyrillic-ext|greek|greek-ext|vietnamese|math|symbols)-\d+-normal$/;

export const SANS_STACK = "'InterReport', 'EmojiReport', 'ArabicReport', 'HebrewReport', 'ThaiReport', 'DevanagariReport', 'CjkReport', 'HangulReport', sans-serif";
export const MONO_STACK = "'MonoReport', 'InterReport', 'EmojiReport', 'ArabicReport', 'HebrewReport', 'ThaiReport', 'DevanagariReport', 'CjkReport', 'HangulReport', monospace";

const SOURCES: FamilySource[] = [
  { family: 'InterReport', pkg: '@fontsource/inter', weights: [400, 600, 700], claims: true },
  { family: 'MonoReport', pkg: '@fontsource/noto-sans-mono', weights: [400], claims: false },
  // Noto Emoji is the monochrome outline font: vector glyphs in the PDF at a twentieth of the colour font's size.
  { family: 'EmojiReport', pkg: '@fontsource/noto-emoji', weights: [400], claims: true },
  { family: 'ArabicReport', pkg: '@fontsource/noto-sans-arabic', weights: [400], skip: LATIN_LIKE, claims: true },
  { family: 'HebrewReport', pkg: '@fontsource/noto-sans-hebrew', weights: [400], skip: LATIN_LIKE, claims: true },
  { family: 'ThaiReport', pkg: '@fontsource/noto-sans-thai', weights: [400], skip: LATIN_LIKE, claims: true },
  { family: 'DevanagariReport', pkg: '@fontsource/noto-sans-devanagari', weights: [400], skip: LATIN_LIKE, claims: true },
  // Noto Sans SC holds Han and kana (Chinese and Japanese text) but no Hangul glyphs, although its
  // stylesheet's ranges list them; Chromium then falls through to the Korean font for those.
  { family: 'CjkReport', pkg: '@fontsource/noto-sans-sc', weights: [400], skip: LATIN_LIKE, lacks: HANGUL, claims: true },
  { family: 'HangulReport', pkg: '@fontsource/noto-sans-kr', weights: [400], skip: LATIN_LIKE, only: HANGUL, claims: true },
];

export function parseUnicodeRange(css: string): [number, number][] {
  return css.split(',').map((part) => {
    const [a, b] = part.trim().replace(/^U\+/i, '').split('-');
    const start = parseInt(a!, 16);
    return [start, b === undefined ? start : parseInt(b, 16)];
  });
}

/** Reads one @fontsource stylesheet: each block names its woff2 file and the code points it covers. */
function facesOf(source: FamilySource, weight: number): FontFace[] {
  const root = path.dirname(require.resolve(`${source.pkg}/package.json`));
  const css = fs.readFileSync(path.join(root, `${weight}.css`), 'utf8');
  const faces: FontFace[] = [];
  for (const block of css.matchAll(/@font-face\s*{([^}]*)}/g)) {
    const file = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(block[1]!)?.[1];
    const range = /unicode-range:\s*([^;]+);/.exec(block[1]!)?.[1]?.trim();
    if (!file || !range) continue;
    if (source.skip?.test(file.replace(/\.woff2$/, ''))) continue;
    const ranges = parseUnicodeRange(range);
    if (source.only && !ranges.some(([a, b]) => source.only!.some(([c, d]) => a <= d && c <= b))) continue;
    faces.push({ family: source.family, weight, file: path.join(root, 'files', file), ranges, unicodeRange: range });
  }
  return faces;
}

const facesBySource = new Map<FamilySource, FontFace[]>();

function facesOfSource(source: FamilySource): FontFace[] {
  let faces = facesBySource.get(source);
  if (!faces) facesBySource.set(source, (faces = source.weights.flatMap((w) => facesOf(source, w))));
  return faces;
}

export function reportFontFaces(): FontFace[] {
  return SOURCES.flatMap(facesOfSource);
}

/** The code points a document uses beyond ASCII (ASCII is always embedded: Inter's Latin subset). */
export function usedCodePoints(text: string): Set<number> {
  const used = new Set<number>();
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp > 0x7e) used.add(cp);
  }
  return used;
}

const inRanges = (cp: number, ranges: [number, number][]) => ranges.some(([a, b]) => cp >= a && cp <= b);
const holdsLatin = (face: FontFace) => inRanges(0x41, face.ranges);

/**
 * The faces a document needs, walking the families in fallback order as the browser does: a character Inter
 * covers never pulls in a CJK file whose ranges also list it (they list punctuation such as "–" and "·").
 */
export function facesFor(documentText: string): FontFace[] {
  const remaining = usedCodePoints(documentText);
  const chosen: FontFace[] = [];
  for (const source of SOURCES) {
    const claimed = new Set<number>();
    for (const face of facesOfSource(source)) {
      let needed = source.family === 'InterReport' || source.family === 'MonoReport' ? holdsLatin(face) : false;
      for (const cp of remaining) {
        if (inRanges(cp, face.ranges) && !(source.lacks && inRanges(cp, source.lacks))) {
          needed = true;
          claimed.add(cp);
        }
      }
      if (needed) chosen.push(face);
    }
    if (source.claims) for (const cp of claimed) remaining.delete(cp);
  }
  return chosen;
}

const base64 = new Map<string, string>();

/**
 * `@font-face` rules for the faces a document needs, each inlined as a data URL. Only the files whose
 * ranges hold a code point of the document go in: a report with one Chinese user agent carries one
 * 40 KB CJK subset, not the 4 MB family. Inter's and the monospace font's Latin subsets always go in.
 */
export function fontFaceCss(documentText: string): string {
  return facesFor(documentText)
    .map((f) => {
      let data = base64.get(f.file);
      if (!data) base64.set(f.file, (data = fs.readFileSync(f.file).toString('base64')));
      return `@font-face{font-family:'${f.family}';font-style:normal;font-weight:${f.weight};font-display:block;src:url(data:font/woff2;base64,${data}) format('woff2');unicode-range:${f.unicodeRange};}`;
    })
    .join('\n');
}
