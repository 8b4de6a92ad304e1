/**
 * Page-layout checks on a printed report, read back with pdf.js: headings that end a page, text that runs off
 * the page, and host names or paths broken inside a word. Each check returns the problems it found as sentences
 * (page number and text), so a failing test says where to look.
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const MM = 72 / 25.4;
/** The report's @page margins (templates/report.css), in PDF points; the cover (page 1) has none. */
const MARGIN = { top: 16 * MM, right: 14 * MM, bottom: 18 * MM, left: 14 * MM };
/** Rounding in the PDF's coordinates and glyph advances. */
const SLACK = 1;

interface Item { str: string; x: number; y: number; w: number; h: number }
interface Page { number: number; width: number; height: number; items: Item[] }

/** Text items of every page, in the order Chromium painted them (document order). */
async function readPages(pdf: Uint8Array): Promise<Page[]> {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false }).promise;
  const pages: Page[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const [x0, y0, x1, y1] = page.view as [number, number, number, number];
    const items: Item[] = [];
    for (const it of (await page.getTextContent()).items) {
      if (!('str' in it) || it.str.trim() === '') continue;
      items.push({ str: it.str, x: it.transform[4] - x0, y: it.transform[5] - y0, w: it.width, h: it.height });
    }
    pages.push({ number: n, width: x1 - x0, height: y1 - y0, items });
  }
  await doc.destroy();
  return pages;
}

/** Text as compared: no whitespace (pdf.js and the HTML space things differently), compatibility forms folded. */
const flat = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();

/** Body text lies inside the page's margins; the running header and footer sit in them. */
const inBody = (p: Page, it: Item) => p.number > 1 && it.y >= MARGIN.bottom - SLACK && it.y <= p.height - MARGIN.top + SLACK;

function decodeEntities(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : (named[e.toLowerCase()] ?? m));
}
const textOf = (html: string) => decodeEntities(html.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();

export interface HeadingBlock {
  /** The heading as shown, with the introduction that belongs to it (a section's note). */
  text: string;
  /** The heading alone. */
  title: string;
  level: number;
}

/**
 * The report's headings in document order, read from its HTML: each section's head (its h2 and the note under
 * it), and every h3 and h4 of the body. The contents list is not a heading block.
 */
export function headingBlocks(html: string): HeadingBlock[] {
  const main = html.slice(html.indexOf('<main'));
  const found: { at: number; block: HeadingBlock }[] = [];
  for (const m of main.matchAll(/<div class="section-head">([\s\S]*?)<\/div>/g)) {
    const title = textOf(/<h2\b[^>]*>([\s\S]*?)<\/h2>/.exec(m[1]!)?.[1] ?? '');
    found.push({ at: m.index, block: { text: textOf(m[1]!), title, level: 2 } });
  }
  for (const m of main.matchAll(/<h([34])\b[^>]*>([\s\S]*?)<\/h\1>/g)) {
    const text = textOf(m[2]!);
    found.push({ at: m.index, block: { text, title: text, level: Number(m[1]) } });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.block);
}

/** The body text of every page run together (whitespace removed), with the page of each character. */
interface BodyText { text: string; pageAt: number[]; pageEnd: Map<number, number>; start: number }

function bodyText(pages: Page[], html: string): BodyText {
  let text = '';
  const pageAt: number[] = [];
  const pageEnd = new Map<number, number>();
  for (const p of pages) {
    for (const it of p.items) {
      if (!inBody(p, it)) continue;
      const s = flat(it.str);
      text += s;
      for (let i = 0; i < s.length; i++) pageAt.push(p.number);
    }
    pageEnd.set(p.number, text.length);
  }
  // The contents list names every section first; the sections themselves start after its last entry.
  const lastTitle = flat(headingBlocks(html).filter((b) => b.level === 2).at(-1)?.title ?? '');
  const listed = lastTitle ? text.indexOf(lastTitle) : -1;
  return { text, pageAt, pageEnd, start: listed < 0 ? 0 : listed + lastTitle.length };
}

/**
 * Every heading is followed on its page by some of what it introduces: a heading (with its note) that ends a
 * page, or whose note runs onto the next page, is a problem. Headings are found in order in the body text.
 */
function headingsEndingPages(body: BodyText, html: string): string[] {
  const { text, pageAt, pageEnd } = body;
  let cursor = body.start;
  const problems: string[] = [];
  for (const b of headingBlocks(html)) {
    const needle = flat(b.text);
    const at = text.indexOf(needle, cursor);
    if (at < 0) {
      problems.push(`heading "${b.text.slice(0, 80)}" not found in the PDF's text`);
      continue;
    }
    const end = at + needle.length;
    cursor = end;
    const first = pageAt[at]!;
    const last = pageAt[end - 1]!;
    if (first !== last) problems.push(`page ${first}: heading "${b.text.slice(0, 60)}" is split across pages ${first}-${last}`);
    else if (pageEnd.get(last) === end) problems.push(`page ${last}: heading "${b.text.slice(0, 60)}" ends the page, its content starts on the next`);
  }
  return problems;
}

/** Each group of texts (in document order, after the contents list) is printed on one page. */
function groupsApart(body: BodyText, groups: string[][]): string[] {
  const problems: string[] = [];
  for (const group of groups) {
    let cursor = body.start;
    const pages = group.map((t) => {
      const at = body.text.indexOf(flat(t), cursor);
      if (at < 0) return undefined;
      cursor = at + flat(t).length;
      return body.pageAt[at];
    });
    if (pages.includes(undefined)) problems.push(`"${group[pages.indexOf(undefined)]}" not found in the PDF's text`);
    else if (new Set(pages).size > 1) problems.push(`${group.map((t, i) => `"${t}" (page ${pages[i]})`).join(', ')} should be on one page`);
  }
  return problems;
}

/** No text outside the paper; body text inside the page's margins (nothing wider than the column). */
function textOffPage(pages: Page[]): string[] {
  const problems: string[] = [];
  for (const p of pages) {
    for (const it of p.items) {
      const box = { left: it.x, right: it.x + it.w, bottom: it.y - 0.25 * it.h, top: it.y + it.h };
      const off = box.left < -SLACK || box.right > p.width + SLACK || box.bottom < -SLACK || box.top > p.height + SLACK;
      const outsideBody = inBody(p, it) && (box.left < MARGIN.left - SLACK || box.right > p.width - MARGIN.right + SLACK);
      if (off || outsideBody) {
        problems.push(`page ${p.number}: "${it.str.slice(0, 60)}" at x ${box.left.toFixed(1)}-${box.right.toFixed(1)}, y ${box.bottom.toFixed(1)}-${box.top.toFixed(1)} runs off the ${off ? 'page' : 'text column'} (${p.width.toFixed(0)}x${p.height.toFixed(0)})`);
      }
    }
  }
  return problems;
}

/** Line breaks allowed inside a host or path: after one of these. */
const SEPARATORS = new Set(['.', '/', '-']);

/**
 * Each token (a host, a path) wherever it is printed whole is broken across lines only after a separator:
 * "shop.acme.exampl" / "e" is a problem, "shop.acme." / "example" is not.
 */
function tokensSplitMidWord(pages: Page[], tokens: string[]): string[] {
  // Body text with a newline wherever the next item starts a new line (its baseline moved).
  let text = '';
  for (const p of pages) {
    let lastY: number | undefined;
    for (const it of p.items) {
      if (lastY !== undefined && Math.abs(it.y - lastY) > 0.5) text += '\n';
      text += it.str.replace(/\s+/g, ' ');
      lastY = it.y;
    }
    text += '\n\f\n';
  }
  const problems: string[] = [];
  for (const token of tokens) {
    const pattern = new RegExp(Array.from(token, (c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('(?:\\n| ?\\n ?)?'), 'g');
    for (const m of text.matchAll(pattern)) {
      const parts = m[0].split(/ ?\n ?/);
      if (parts.slice(0, -1).some((part) => !SEPARATORS.has(part.at(-1)!))) {
        const page = text.slice(0, m.index).split('\f').length;
        problems.push(`page ${page}: "${token}" is broken inside a word: ${parts.map((s) => `"${s}"`).join(' / ')}`);
      }
    }
  }
  return problems;
}

export interface LayoutReport {
  pages: number;
  problems: string[];
}

/**
 * Runs every layout check on a printed report (`html` is the document that was printed); `tokens` are the
 * hosts and paths to keep whole, `together` groups of texts to find on one page.
 */
export async function checkLayout(pdf: Uint8Array, html: string, tokens: string[] = [], together: string[][] = []): Promise<LayoutReport> {
  const pages = await readPages(pdf);
  const body = bodyText(pages, html);
  return {
    pages: pages.length,
    problems: [...headingsEndingPages(body, html), ...groupsApart(body, together), ...textOffPage(pages), ...tokensSplitMidWord(pages, tokens)],
  };
}
