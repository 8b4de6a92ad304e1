import type { ChartSpec } from './specs.js';
import { layoutChart, type Scene } from './scene.js';
import { sceneToSvg } from './svg.js';
import { measureText, sceneToPng } from './raster.js';

export interface RenderedChart {
  id: string;
  title: string;
  /** Vector markup inlined in the HTML (and so in the PDF): crisp at any zoom, text set in the page's fonts. */
  svg: string;
  /** The laid-out chart, for a PNG copy where SVG cannot be shown (email bodies). */
  scene: Scene;
}

/**
 * Lays out a chart spec and writes it as SVG. Pure CPU work and deterministic: the same spec gives the same
 * bytes (text widths come from the fonts shipped with the project).
 */
export function renderChart(spec: ChartSpec): RenderedChart {
  const scene = layoutChart(spec, measureText);
  return { id: spec.id, title: spec.title, svg: sceneToSvg(scene), scene };
}

/** A PNG copy of a rendered chart at `scale` device pixels per CSS pixel. */
export function chartPng(chart: RenderedChart, scale = 2): Promise<Buffer> {
  return sceneToPng(chart.scene, scale);
}
