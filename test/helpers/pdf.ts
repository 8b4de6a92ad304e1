import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** Extracts the text of every page of a PDF (pdf.js, no system tools needed). */
export async function pdfText(data: Uint8Array): Promise<{ pages: string[]; info: Record<string, unknown> }> {
  const doc = await getDocument({ data: new Uint8Array(data), useSystemFonts: false, isEvalSupported: false }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    // Chromium splits runs at kerning pairs; pdf.js marks real spaces and line ends itself.
    pages.push(content.items.map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : '')).join(''));
  }
  const meta = await doc.getMetadata();
  await doc.destroy();
  return { pages, info: meta.info as Record<string, unknown> };
}
