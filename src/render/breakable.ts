/**
 * Where a host, path or address may wrap in a table cell. A browser wraps text at spaces and hyphens only, so
 * a narrow column cut "shop.acme.example" wherever the edge fell ("shop.acme.exampl" / "e") when it was
 * allowed to break anywhere. Instead, each value gets explicit break opportunities (<wbr>) after the
 * characters that separate its parts, and inside runs too long for a column (the last resort), so the
 * stylesheet can keep words whole.
 */

/** Characters after which a host, path or address reads well when wrapped. */
const SEPARATOR = /[./\-_?&=:@]/u;
/** A run of this many characters without a separator gets a break opportunity (about 12 mm at 8.5 pt). */
const LONGEST_RUN = 16;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** HTML-escaped text (or markup from an escaping helper) → the same markup with <wbr> where it may wrap. */
export function breakableHtml(html: string): string {
  // Tags and character references are copied as they are; break opportunities go into the text between them.
  return html
    .split(/(<[^>]*>|&[#a-zA-Z0-9]+;)/u)
    .map((part, i) => (i % 2 === 1 ? part : breakText(part)))
    .join('');
}

function breakText(text: string): string {
  let out = '';
  let run = 0;
  for (const { segment } of graphemes.segment(text)) {
    out += segment;
    if (/\s/u.test(segment)) run = 0;
    else if (SEPARATOR.test(segment) || ++run >= LONGEST_RUN) {
      out += '<wbr>';
      run = 0;
    }
  }
  return out;
}
