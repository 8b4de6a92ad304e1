/**
 * Sets a PDF's document information (title, author, subject, keywords, dates) by appending an incremental
 * update: a new Info dictionary, a one-entry cross-reference section and a trailer pointing back to the old
 * one, as the PDF specification (ISO 32000-1, 7.5.6) allows. Chromium can set only the title itself, and
 * rewriting the whole file with a PDF library cost about 0.27 s per report against well under a millisecond
 * for this. Every string is written as hex UTF-16, so no value (tenant names come from configuration and
 * telemetry) can break out of its string. A PDF whose trailer is not the classic layout Chromium writes is
 * returned unchanged. Pure.
 */
export interface PdfInfo {
  title: string;
  author: string;
  subject: string;
  keywords: string;
  creator: string;
  producer: string;
  /** ISO time of creation; also the modification time. */
  created: string;
}

/** A PDF text string: UTF-16BE with a byte order mark, hex-encoded. */
export function pdfTextString(value: string): string {
  let hex = 'FEFF';
  for (let i = 0; i < value.length; i++) hex += value.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return `<${hex}>`;
}

/** A PDF date, D:YYYYMMDDHHmmSS+00'00', in UTC. */
export function pdfDate(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `(D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+00'00')`;
}

export function withPdfInfo(pdf: Buffer, info: PdfInfo): Buffer {
  const tail = pdf.subarray(Math.max(0, pdf.length - 4096)).toString('latin1');
  const end = /trailer\s*<<([\s\S]*?)>>\s*startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!end) return pdf;
  const trailer = end[1]!;
  const previousXref = Number(end[2]);
  const size = Number(/\/Size\s+(\d+)/.exec(trailer)?.[1]);
  const root = /\/Root\s+(\d+\s+\d+\s+R)/.exec(trailer)?.[1];
  if (!Number.isInteger(size) || !root) return pdf;
  const existing = /\/Info\s+(\d+)\s+(\d+)\s+R/.exec(trailer);
  // Replace the existing Info object in place (same number and generation), or add one at the end.
  const objectNumber = existing ? Number(existing[1]) : size;
  const generation = existing ? Number(existing[2]) : 0;
  const newSize = existing ? size : size + 1;

  const lead = pdf[pdf.length - 1] === 0x0a ? '' : '\n';
  const objectOffset = pdf.length + lead.length;
  const object =
    `${objectNumber} ${generation} obj\n<</Title ${pdfTextString(info.title)} /Author ${pdfTextString(info.author)} ` +
    `/Subject ${pdfTextString(info.subject)} /Keywords ${pdfTextString(info.keywords)} /Creator ${pdfTextString(info.creator)} ` +
    `/Producer ${pdfTextString(info.producer)} /CreationDate ${pdfDate(info.created)} /ModDate ${pdfDate(info.created)}>>\nendobj\n`;
  const xrefOffset = objectOffset + Buffer.byteLength(object, 'latin1');
  // Each cross-reference entry is exactly 20 bytes: 10-digit offset, 5-digit generation, "n", two-byte EOL.
  const entry = `${String(objectOffset).padStart(10, '0')} ${String(generation).padStart(5, '0')} n \n`;
  const update =
    `${lead}${object}xref\n${objectNumber} 1\n${entry}` +
    `trailer\n<</Size ${newSize} /Root ${root} /Info ${objectNumber} ${generation} R /Prev ${previousXref}>>\n` +
    `startxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(update, 'latin1')]);
}
