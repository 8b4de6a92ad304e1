/**
 * PDF pages to PNG and PNG against PNG, all inside Node: pdf.js (legacy build) draws onto @napi-rs/canvas,
 * pngjs encodes and decodes, pixelmatch compares. Nothing from apt and every version pinned by the lockfile, so
 * every machine rasterizes the same way.
 */
import { getDocument, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

/**
 * Pixels per PDF point (1/72 in). At 1, an A4 page is 596 × 842 px, body text stays legible, and a report page
 * is 45–115 KB as PNG (about 40% more at 1.25), which keeps committed goldens small.
 */
export const DEFAULT_SCALE = 1;

/** The part of pdf.js's canvas factory used here (pdf.js types it as a bare Object). */
interface CanvasFactory {
  create(width: number, height: number): { canvas: unknown; context: { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
  destroy(target: { canvas: unknown; context: unknown }): void;
}

/** Opens a PDF for drawing: glyphs are drawn from the embedded font programs, never from system fonts. */
export function openPdf(data: Uint8Array): Promise<PDFDocumentProxy> {
  return getDocument({ data: new Uint8Array(data), useSystemFonts: false, isEvalSupported: false }).promise;
}

/** Draws page `pageNumber` (1-based) of an open PDF on a white background and returns it as an RGB PNG. */
export async function renderPage(doc: PDFDocumentProxy, pageNumber: number, scale = DEFAULT_SCALE): Promise<Buffer> {
  const page = await doc.getPage(pageNumber);
  const viewport = page.getViewport({ scale });
  const width = Math.ceil(viewport.width);
  const height = Math.ceil(viewport.height);
  // The page canvas comes from pdf.js's own factory, i.e. the @napi-rs/canvas build that pdfjs-dist depends on:
  // its scratch canvases and Path2D objects come from that build, and a canvas of another build (the project's
  // @napi-rs/canvas is a different version) rejects them ("parameter 1 is not of type 'Path2D'").
  const factory = doc.canvasFactory as CanvasFactory;
  const target = factory.create(width, height);
  try {
    // pdf.js types the canvas as a DOM one; @napi-rs/canvas implements the same 2D API. The white background
    // (pdf.js's default, stated here because the PNGs must be opaque) is painted before the page.
    await page.render({ canvas: target.canvas as HTMLCanvasElement, viewport, background: '#ffffff' }).promise;
    const rgba = target.context.getImageData(0, 0, width, height).data;
    return encodePng({ width, height, data: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength) });
  } finally {
    factory.destroy(target);
    page.cleanup();
  }
}

/** Renders the given pages (1-based) of a PDF to PNG buffers, in the order asked. */
export async function rasterizePdf(data: Uint8Array, pages: number[], scale = DEFAULT_SCALE): Promise<Buffer[]> {
  const doc = await openPdf(data);
  try {
    const out: Buffer[] = [];
    for (const p of pages) out.push(await renderPage(doc, p, scale));
    return out;
  } finally {
    await doc.destroy();
  }
}

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel, row by row. */
  data: Buffer;
}

/**
 * How pages are written: 8-bit RGB (pages are opaque), no per-row filter and zlib's default strategy at its
 * highest level. Measured on report pages at 1 px/pt, that is about a quarter smaller than pngjs's defaults
 * (adaptive filters, run-length strategy), which matters for goldens committed to the repository.
 */
const PNG_OPTIONS = { colorType: 2, inputColorType: 6, inputHasAlpha: true, deflateLevel: 9, deflateStrategy: 0, filterType: 0 } as const;

/** Encodes RGBA pixels as a lossless RGB PNG (the pixels survive exactly). */
export function encodePng(image: RgbaImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = image.data;
  return PNG.sync.write(png, PNG_OPTIONS);
}

/** Decodes any PNG to RGBA pixels. */
export function decodePng(png: Buffer): RgbaImage {
  const { width, height, data } = PNG.sync.read(png);
  return { width, height, data };
}

export interface PngComparison {
  /** Pixels pixelmatch counts as different (anti-aliasing differences excluded). */
  differentPixels: number;
  /** differentPixels over all pixels of the larger image; 1 when the sizes differ. */
  share: number;
  /** The differences in red over a faded copy of `expected` (a blank image of the larger size when sizes differ). */
  diffPng: Buffer;
  sizeMismatch: boolean;
}

/**
 * Per-pixel colour tolerance of pixelmatch (0..1, YIQ distance). Its default, 0.1, is kept: low enough that a
 * changed digit in a table counts, high enough that the last bit of a blended colour does not.
 */
export const PIXEL_THRESHOLD = 0.1;

/** Compares two PNGs pixel by pixel; anti-aliased edges that merely moved are not counted. */
export function comparePngs(expected: Buffer, actual: Buffer, threshold = PIXEL_THRESHOLD): PngComparison {
  const a = decodePng(expected);
  const b = decodePng(actual);
  if (a.width !== b.width || a.height !== b.height) {
    // A page of another size is a different page; there is nothing meaningful to overlay.
    const width = Math.max(a.width, b.width);
    const height = Math.max(a.height, b.height);
    const blank = Buffer.alloc(width * height * 4, 255);
    return { differentPixels: width * height, share: 1, diffPng: encodePng({ width, height, data: blank }), sizeMismatch: true };
  }
  const diff = Buffer.alloc(a.width * a.height * 4);
  const differentPixels = pixelmatch(a.data, b.data, diff, a.width, a.height, { threshold });
  return { differentPixels, share: differentPixels / (a.width * a.height), diffPng: encodePng({ width: a.width, height: a.height, data: diff }), sizeMismatch: false };
}

export interface Bookmark {
  title: string;
  /** 0 for top-level bookmarks. */
  depth: number;
  /** 1-based page the bookmark points at; null when its destination cannot be resolved. */
  page: number | null;
}

/**
 * The PDF's bookmarks in document order with the page each points at. Tests pick pages by section this way,
 * so a section that moves to another page (a table of contents, longer tables) is still found.
 */
export async function pdfBookmarks(data: Uint8Array): Promise<Bookmark[]> {
  const doc = await openPdf(data);
  try {
    // pdf.js types an outline node's destination loosely: a named destination or an explicit array whose first
    // element is the page reference.
    type Node = { title: string; dest: string | unknown[] | null; items: Node[] };
    const out: Bookmark[] = [];
    const walk = async (nodes: Node[], depth: number): Promise<void> => {
      for (const node of nodes) {
        const dest = typeof node.dest === 'string' ? await doc.getDestination(node.dest) : node.dest;
        const ref = dest?.[0];
        const page = ref && typeof ref === 'object' ? (await doc.getPageIndex(ref as Parameters<typeof doc.getPageIndex>[0])) + 1 : null;
        out.push({ title: node.title, depth, page });
        await walk(node.items ?? [], depth + 1);
      }
    };
    await walk(((await doc.getOutline()) ?? []) as Node[], 0);
    return out;
  } finally {
    await doc.destroy();
  }
}
