import { describe, expect, it } from 'vitest';
import { pdfDate, pdfTextString, withPdfInfo } from '../src/render/pdf-info.js';

/** A minimal classic-layout PDF like Chromium's: header, objects, xref table, trailer. */
function tinyPdf(): Buffer {
  const objects = ['<</Type /Catalog /Pages 3 0 R>>', '<</Producer (Skia/PDF)>>', '<</Type /Pages /Kids [] /Count 0>>'];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  // Object 1 is the Info dictionary, as in Chromium's files; object 2 the catalog; 3 the pages.
  const numbered = [objects[1]!, objects[0]!, objects[2]!];
  numbered.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 4\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<</Size 4\n/Root 2 0 R\n/Info 1 0 R>>\nstartxref\n${xref}\n%%EOF`;
  return Buffer.from(body, 'latin1');
}

describe('PDF document information by incremental update', () => {
  const info = {
    title: 'Report (x) \\ ) >> /Author (evil)', author: 'Провайдер 株式会社', subject: 's', keywords: 'k', creator: 'c', producer: 'p',
    created: '2026-11-21T08:30:46.000Z',
  };

  it('appends an Info object, a one-entry xref and a trailer that points back, leaving the original bytes untouched', () => {
    const original = tinyPdf();
    const updated = withPdfInfo(original, info);
    expect(updated.subarray(0, original.length).equals(original)).toBe(true);
    const tail = updated.subarray(original.length).toString('latin1');
    const prev = /startxref\n(\d+)\n%%EOF$/.exec(original.toString('latin1'))![1];
    expect(tail).toMatch(new RegExp(`trailer\\n<</Size 4 /Root 2 0 R /Info 1 0 R /Prev ${prev}>>\\nstartxref\\n(\\d+)\\n%%EOF\\n$`));
    // The new xref entry and startxref point at the bytes they name.
    const xrefAt = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(tail)![1]);
    expect(updated.subarray(xrefAt, xrefAt + 5).toString('latin1')).toBe('xref\n');
    const objectAt = Number(/xref\n1 1\n(\d{10}) 00000 n \n/.exec(tail)![1]);
    expect(updated.subarray(objectAt, objectAt + 8).toString('latin1')).toBe('1 0 obj\n');
    // Strings are hex UTF-16: nothing in a value can close its string or the dictionary.
    expect(tail).not.toContain('(evil)');
    expect(tail).toContain(pdfTextString(info.title));
  });

  it('writes text strings as UTF-16BE with a byte order mark and dates in PDF form', () => {
    expect(pdfTextString('A株')).toBe('<FEFF0041682A>');
    expect(pdfTextString('\u{1F525}')).toBe('<FEFFD83DDD25>');
    expect(pdfDate('2026-01-02T03:04:05.000Z')).toBe("(D:20260102030405+00'00')");
  });

  it('leaves a PDF it does not recognise unchanged', () => {
    const odd = Buffer.from('%PDF-1.7\n... xref stream only ...\nstartxref\n123\n%%EOF\n', 'latin1');
    expect(withPdfInfo(odd, info)).toBe(odd);
  });
});
