/**
 * One colour per vector across every chart of a report. Colours are assigned from a fixed, colour-blind
 * friendly palette in the order of the report's vector list, so the same report always gets the same colours.
 */
// Qualitative colours chosen to stay apart from each other (and from the grey of unattributed traffic).
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#1f3b73', '#8cd17d', '#d37295'];
export const BASELINE_COLOUR = '#cbd5e1';

export function vectorColours(vectors: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const v of vectors) if (!map.has(v)) map.set(v, PALETTE[map.size % PALETTE.length]!);
  return map;
}
