/**
 * Paper size and orientation of the printed report. The stylesheet sizes the page and the cover from these
 * (CSS @page and a page-height variable), and the printer is told the same, so HTML and PDF agree.
 */
export type Paper = 'A4' | 'Letter';

export interface PageSetup {
  paper: Paper;
  landscape: boolean;
}

export const DEFAULT_PAGE: PageSetup = { paper: 'A4', landscape: false };

const SIZES_MM: Record<Paper, [number, number]> = { A4: [210, 297], Letter: [215.9, 279.4] };

/** CSS that sizes the printed page and the cover for the setup. */
export function pageCss(page: PageSetup): string {
  const [w, h] = SIZES_MM[page.paper];
  const height = page.landscape ? w : h;
  return `@page{size:${page.paper} ${page.landscape ? 'landscape' : 'portrait'};}:root{--page-height:${height}mm;}`;
}

export function parsePaper(text: string): Paper | null {
  const t = text.trim().toLowerCase();
  return t === 'a4' ? 'A4' : t === 'letter' ? 'Letter' : null;
}
