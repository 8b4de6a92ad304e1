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

/**
 * A CSS string literal holding any text: everything but plain letters and digits is a six-digit escape
 * (spaces too: CSS swallows one whitespace after a hex escape).
 */
export function cssString(text: string): string {
  let out = '"';
  for (const ch of text) out += /^[A-Za-z0-9]$/.test(ch) ? ch : `\\${ch.codePointAt(0)!.toString(16).padStart(6, '0')}`;
  return `${out}"`;
}

export interface RunningText {
  headerLeft: string;
  headerRight: string;
  footerLeft: string;
}

/**
 * The running header and footer as CSS page-margin boxes, with "Page X of Y" from the page counters. Unlike
 * the printer's header and footer templates, margin boxes are laid out with the document's own fonts, so
 * they never depend on a system font. The cover carries neither.
 */
export function runningTextCss(text: RunningText, fontStack: string): string {
  const box = `font-family:${fontStack};font-size:7pt;color:#64748b;`;
  return (
    `@page{@top-left{content:${cssString(text.headerLeft)};${box}vertical-align:bottom;padding-bottom:3mm;}` +
    `@top-right{content:${cssString(text.headerRight)};${box}vertical-align:bottom;padding-bottom:3mm;}` +
    `@bottom-left{content:${cssString(text.footerLeft)};${box}vertical-align:top;padding-top:3mm;}` +
    `@bottom-right{content:"Page " counter(page) " of " counter(pages);${box}vertical-align:top;padding-top:3mm;}}` +
    '@page:first{@top-left{content:none;}@top-right{content:none;}@bottom-left{content:none;}@bottom-right{content:none;}}'
  );
}
