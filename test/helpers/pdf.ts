import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** Extracts the text of every page of a PDF (pdf.js, no system tools needed). */
export async function pdfText(data: Uint8Array): Promise<{ pages: string[]; info: Record<string, unknown>; outline: string[] }> {
  const doc = await getDocument({ data: new Uint8Array(data), useSystemFonts: false, isEvalSupported: false }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    // Chromium splits runs at kerning pairs; pdf.js marks real spaces and line ends itself.
    pages.push(content.items.map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : '')).join(''));
  }
  const meta = await doc.getMetadata();
  // Bookmarks nest by heading level; flattened in document order.
  type Node = { title: string; items: Node[] };
  const flatten = (nodes: Node[]): string[] => nodes.flatMap((n) => [n.title, ...flatten(n.items ?? [])]);
  const outline = flatten(((await doc.getOutline()) ?? []) as Node[]);
  await doc.destroy();
  return { pages, info: meta.info as Record<string, unknown>, outline };
}

/** Width and height of every page, in PDF points (1/72 in), rounded. */
export async function pageSizes(data: Uint8Array): Promise<[number, number][]> {
  const doc = await getDocument({ data: new Uint8Array(data), useSystemFonts: false, isEvalSupported: false }).promise;
  const sizes: [number, number][] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const { width, height } = (await doc.getPage(i)).getViewport({ scale: 1 });
    sizes.push([Math.round(width), Math.round(height)]);
  }
  await doc.destroy();
  return sizes;
}

/** The base names of the fonts a PDF embeds, subset prefixes removed ("AAAAAA+Inter-Bold" → "Inter-Bold"). */
export function embeddedFontNames(data: Uint8Array): string[] {
  // Chromium writes font descriptors as plain (uncompressed) dictionaries.
  const text = Buffer.from(data).toString('latin1');
  const names = [...text.matchAll(/\/FontName\s*\/(?:[A-Z]{6}\+)?([^\s/<>[\]()]+)/g)].map((m) => m[1]!);
  return [...new Set(names)].sort();
}

/** Every text item of every page with its horizontal extent, in PDF points from the page's left edge. */
export async function pdfTextItems(data: Uint8Array): Promise<{ page: number; pageWidth: number; str: string; x: number; width: number }[]> {
  const doc = await getDocument({ data: new Uint8Array(data), useSystemFonts: false, isEvalSupported: false }).promise;
  const items: { page: number; pageWidth: number; str: string; x: number; width: number }[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const page = await doc.getPage(i);
    const { width: pageWidth } = page.getViewport({ scale: 1 });
    for (const it of (await page.getTextContent()).items) {
      if ('str' in it && it.str.trim() !== '') items.push({ page: i, pageWidth, str: it.str, x: it.transform[4] as number, width: it.width });
    }
  }
  await doc.destroy();
  return items;
}
