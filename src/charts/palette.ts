/**
 * One colour per vector across every chart of a report. Colours are assigned from a fixed, colour-blind
 * friendly palette in the order of the report's vector list, so the same report always gets the same colours.
 */
const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#9333ea', '#ea580c', '#0d9488', '#4f46e5'];
export const BASELINE_COLOUR = '#cbd5e1';

export function vectorColours(vectors: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const v of vectors) if (!map.has(v)) map.set(v, PALETTE[map.size % PALETTE.length]!);
  return map;
}
