import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { reportFontFaces } from '../render/fonts.js';
import type { Scene, SceneLine } from './scene.js';

/** The page's private alias: a system "Inter" can never be picked instead of the bundled files. */
const FAMILY = 'InterReport';
const registered = new Set<number>();

/** Registers the bundled faces of the nearest shipped weight on first use (each file costs a few ms to parse). */
function fontWeight(weight: number): number {
  const files = reportFontFaces().filter((f) => f.family === FAMILY);
  let best = files[0]?.weight ?? 400;
  for (const f of files) if (Math.abs(f.weight - weight) < Math.abs(best - weight)) best = f.weight;
  if (!registered.has(best)) {
    for (const f of files) if (f.weight === best) GlobalFonts.registerFromPath(f.file, FAMILY);
    registered.add(best);
  }
  return best;
}

const font = (size: number, weight: number) => `${fontWeight(weight)} ${size}px ${FAMILY}`;

let measuring: SKRSContext2D | undefined;
let measuringFont = '';

/**
 * Text width in CSS pixels with the bundled Inter files, for layoutChart. Deterministic for the characters
 * those files cover; others fall back to whatever fonts the machine has (the browser will use Noto Sans).
 */
export function measureText(text: string, sizePx: number, weight = 400): number {
  measuring ??= createCanvas(1, 1).getContext('2d');
  // Setting ctx.font re-resolves the face on every assignment: a timeline measures hundreds of labels in one font.
  const f = font(sizePx, weight);
  if (f !== measuringFont) measuring.font = measuringFont = f;
  return measuring.measureText(text).width;
}

function strokeLines(ctx: SKRSContext2D, lines: SceneLine[]): void {
  for (const l of lines) {
    ctx.strokeStyle = l.stroke;
    ctx.lineWidth = l.width;
    ctx.beginPath();
    ctx.moveTo(l.x1, l.y1);
    ctx.lineTo(l.x2, l.y2);
    ctx.stroke();
  }
}

/** Draws a scene as a PNG at `scale` device pixels per CSS pixel (for email bodies, where SVG is not shown). */
export async function sceneToPng(scene: Scene, scale = 2): Promise<Buffer> {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 8) throw new RangeError(`scale must be in (0, 8], got ${scale}`);
  const canvas = createCanvas(Math.max(1, Math.round(scene.width * scale)), Math.max(1, Math.round(scene.height * scale)));
  const ctx = canvas.getContext('2d');
  ctx.scale(scale, scale);
  ctx.fillStyle = scene.background;
  ctx.fillRect(0, 0, scene.width, scene.height);
  strokeLines(ctx, scene.grid);
  for (const g of scene.bars) {
    ctx.fillStyle = g.fill;
    for (const r of g.rects) ctx.fillRect(r.x, r.y, r.w, r.h);
  }
  strokeLines(ctx, scene.axes);
  for (const s of scene.swatches) {
    ctx.fillStyle = s.fill;
    ctx.fillRect(s.x, s.y, s.w, s.h);
  }
  ctx.textBaseline = 'alphabetic';
  for (const t of scene.texts) {
    ctx.font = font(t.size, t.weight);
    ctx.fillStyle = t.fill;
    ctx.textAlign = t.anchor === 'middle' ? 'center' : t.anchor;
    ctx.fillText(t.text, t.x, t.y);
  }
  return canvas.encode('png');
}
