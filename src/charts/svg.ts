import type { Scene, SceneLine, SceneText } from './scene.js';
import { SANS_STACK } from '../render/fonts.js';

/** The page's own faces (embedded by the HTML), so chart text matches the body text and stays selectable. */
export const SVG_FONT_FAMILY = SANS_STACK;

// Characters XML 1.0 forbids outright: one of them anywhere makes the whole document (and the page) unparsable.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe as element text and as a double- or single-quoted attribute, in XML and in HTML alike. */
export function escapeXml(s: string): string {
  return s.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Fixed formatting: at most two decimals, no exponent for chart-sized numbers, never "-0". */
function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return r === 0 || !Number.isFinite(r) ? '0' : String(r);
}

const DEFAULT_TEXT = { size: 11, weight: 400, fill: '#334155' };

function lines(all: SceneLine[]): string[] {
  // One group per stroke style, in first-use order, so the output does not depend on anything but the scene.
  const styles = new Map<string, SceneLine[]>();
  for (const l of all) {
    const key = `${l.stroke} ${l.width}`;
    const list = styles.get(key);
    if (list) list.push(l);
    else styles.set(key, [l]);
  }
  return [...styles.values()].map((ls) => {
    const body = ls.map((l) => `<line x1="${num(l.x1)}" y1="${num(l.y1)}" x2="${num(l.x2)}" y2="${num(l.y2)}"/>`).join('');
    return `<g stroke="${escapeXml(ls[0]!.stroke)}" stroke-width="${num(ls[0]!.width)}">${body}</g>`;
  });
}

function text(t: SceneText): string {
  let attrs = `x="${num(t.x)}" y="${num(t.y)}"`;
  if (t.anchor !== 'start') attrs += ` text-anchor="${t.anchor}"`;
  if (t.size !== DEFAULT_TEXT.size) attrs += ` font-size="${num(t.size)}"`;
  if (t.weight !== DEFAULT_TEXT.weight) attrs += ` font-weight="${num(t.weight)}"`;
  if (t.fill !== DEFAULT_TEXT.fill) attrs += ` fill="${escapeXml(t.fill)}"`;
  return `<text ${attrs}>${escapeXml(t.text)}</text>`;
}

/** A standalone SVG document for a scene: same scene, same bytes. */
export function sceneToSvg(scene: Scene): string {
  const W = num(scene.width);
  const H = num(scene.height);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">`,
    `<title>${escapeXml(scene.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="${escapeXml(scene.background)}"/>`,
    ...lines(scene.grid),
  ];
  for (const g of scene.bars) {
    if (g.rects.length === 0) continue;
    const rects = g.rects.map((r) => `<rect x="${num(r.x)}" y="${num(r.y)}" width="${num(r.w)}" height="${num(r.h)}"/>`).join('');
    out.push(`<g fill="${escapeXml(g.fill)}">${rects}</g>`);
  }
  out.push(...lines(scene.axes));
  for (const s of scene.swatches) out.push(`<rect x="${num(s.x)}" y="${num(s.y)}" width="${num(s.w)}" height="${num(s.h)}" fill="${escapeXml(s.fill)}"/>`);
  out.push(`<g font-family="${escapeXml(SVG_FONT_FAMILY)}" font-size="${DEFAULT_TEXT.size}" fill="${DEFAULT_TEXT.fill}">`);
  for (const t of scene.texts) out.push(text(t));
  out.push('</g>', '</svg>');
  return out.join('\n');
}
