/**
 * The report's table of contents, built from the section headings the templates produced (`<h2 id="…">`),
 * so an overriding template that adds, drops or renames a section gets a matching contents list.
 *
 * Page numbers are not known until Chromium has paginated the document: each entry carries an empty,
 * fixed-width page cell (`data-contents-page`) that the printer fills after a first print (see pdf.ts).
 * The cell's width does not depend on its text, so filling it moves nothing else on the page.
 */

/** Where the template's `{{{contents}}}` goes until the headings are known. Telemetry cannot forge it: Handlebars escapes `=`. */
export const CONTENTS_MARKER = '<!--=contents=-->';

export const CONTENTS_PAGE_ATTRIBUTE = 'data-contents-page';

export interface ContentsEntry {
  id: string;
  /** Heading text as it appears in the HTML (already escaped by the template). */
  html: string;
}

/** Section headings in document order. Only ids made of plain characters qualify: they become PDF names. */
export function sectionHeadings(html: string): ContentsEntry[] {
  return [...html.matchAll(/<h2 id="([A-Za-z][A-Za-z0-9_-]{0,63})">([^<]*)<\/h2>/g)].map((m) => ({ id: m[1]!, html: m[2]!.trim() }));
}

export function contentsHtml(entries: ContentsEntry[]): string {
  if (entries.length === 0) return '';
  const items = entries
    .map((e) => `<li><a href="#${e.id}"><span class="contents-title">${e.html}</span><span class="contents-page" ${CONTENTS_PAGE_ATTRIBUTE}="${e.id}"></span></a></li>`)
    .join('');
  return `<nav class="contents" aria-label="Contents"><h2 class="contents-heading">Contents</h2><ol>${items}</ol></nav>`;
}

/** Replaces the marker with the contents list of the document's own headings. */
export function withContents(html: string): string {
  return html.replace(CONTENTS_MARKER, () => contentsHtml(sectionHeadings(html)));
}
