/**
 * One colour per vector across every chart of a report. Colours are assigned from a fixed, colour-blind
 * friendly palette in the order of the report's vector list, so the same report always gets the same colours.
 */
// Qualitative colours (Tableau 10 hues) ordered so that neighbours alternate dark and light: vectors next to
// each other in a stack and in the legend stay apart when the report is printed in grayscale (CIE L* of the
// first eight: 26 68 50 82 56 78 53 75; tested).
export const PALETTE = ['#1f3b73', '#f28e2b', '#4e79a7', '#edc948', '#e15759', '#8cd17d', '#9c755f', '#ff9da7', '#59a14f', '#76b7b2', '#b07aa1', '#d37295'];
export const BASELINE_COLOUR = '#cbd5e1';

export function vectorColours(vectors: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const v of vectors) if (!map.has(v)) map.set(v, PALETTE[map.size % PALETTE.length]!);
  return map;
}

/** CIE L* (perceived lightness, 0–100) of a #rrggbb colour: what is left of it in grayscale. */
export function lightness(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return y > 0.008856 ? 116 * Math.cbrt(y) - 16 : 903.3 * y;
}
