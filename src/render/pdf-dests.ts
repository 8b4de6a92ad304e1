/**
 * Reads where a Chromium PDF's named destinations land: destination name → page number (1-based).
 *
 * Chromium turns every in-document link target (`<a href="#id">`) into a named destination in the
 * catalogue's /Dests dictionary, `/id [pageRef /XYZ x y z]`, and writes every dictionary uncompressed. The
 * contents page uses this to learn the page each section starts on after a first print.
 */
export function namedDestinationPages(pdf: Buffer): Map<string, number> {
  const text = pdf.toString('latin1');
  const objects = objectIndex(text);
  const catalog = [...objects.values()].find((body) => /\/Type\s*\/Catalog\b/.test(body));
  if (!catalog) return new Map();
  const pageNumbers = new Map<number, number>();
  const walk = (ref: number, depth: number) => {
    const node = objects.get(ref);
    if (!node || depth > 32) return;
    if (/\/Type\s*\/Page\b/.test(node)) {
      pageNumbers.set(ref, pageNumbers.size + 1);
      return;
    }
    const kids = /\/Kids\s*\[([^\]]*)\]/.exec(node)?.[1] ?? '';
    for (const m of kids.matchAll(/(\d+)\s+0\s+R/g)) walk(Number(m[1]), depth + 1);
  };
  const pagesRef = refOf(catalog, 'Pages');
  if (pagesRef !== undefined) walk(pagesRef, 0);
  const destsRef = refOf(catalog, 'Dests');
  const dests = destsRef === undefined ? undefined : objects.get(destsRef);
  const result = new Map<string, number>();
  if (!dests) return result;
  for (const m of dests.matchAll(/\/([^\s/[\]<>()]+)\s*\[\s*(\d+)\s+0\s+R/g)) {
    const page = pageNumbers.get(Number(m[2]));
    if (page !== undefined) result.set(decodeName(m[1]!), page);
  }
  return result;
}

/**
 * Object number → its text up to `endobj`, located through the cross-reference tables (the newest section
 * first, then /Prev ones), so bytes inside compressed streams are never mistaken for objects.
 */
function objectIndex(text: string): Map<number, string> {
  const objects = new Map<number, string>();
  let xref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1] ?? NaN);
  for (let sections = 0; Number.isFinite(xref) && sections < 64; sections++) {
    const table = /^xref\s+((?:\d+\s+\d+\s+(?:\d{10}\s\d{5}\s[nf]\s*)+)+)trailer\s*<<([\s\S]*?)>>/.exec(text.slice(xref));
    if (!table) break;
    for (const sub of table[1]!.matchAll(/(\d+)\s+\d+\s+((?:\d{10}\s\d{5}\s[nf]\s*)+)/g)) {
      let number = Number(sub[1]);
      for (const entry of sub[2]!.matchAll(/(\d{10})\s\d{5}\s([nf])/g)) {
        if (entry[2] === 'n' && !objects.has(number)) {
          const offset = Number(entry[1]);
          const end = text.indexOf('endobj', offset);
          if (end > offset) objects.set(number, text.slice(offset, end));
        }
        number++;
      }
    }
    xref = Number(/\/Prev\s+(\d+)/.exec(table[2]!)?.[1] ?? NaN);
  }
  return objects;
}

function refOf(dict: string, key: string): number | undefined {
  const m = new RegExp(`/${key}\\s+(\\d+)\\s+0\\s+R`).exec(dict);
  return m ? Number(m[1]) : undefined;
}

/** PDF names write bytes outside the plain range as #xx. */
function decodeName(name: string): string {
  return name.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
