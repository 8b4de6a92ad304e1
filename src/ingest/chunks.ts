/**
 * The lines of an export cut into chunk files for ClickHouse to read. Chunks are cut every N records (non-blank
 * lines), so the same input always gives the same chunks: that is what lets a chunk's hash identify its INSERT
 * (see batches.ts), and a second load of the same file insert nothing.
 *
 * Bytes go to the chunk file as they arrive, so memory holds no chunk. Two files alternate: the next chunk is
 * written while ClickHouse reads the current one. Blank lines are counted here; those before a chunk's first
 * record are not written at all, so a file of nothing but newlines costs no chunk file and no query.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { collectGarbage } from '../util/gc.js';

export interface LineChunk {
  /** Number (1-based) of the first line in the chunk file, in its input (with no file: of the line after its blank lines). */
  firstLine: number;
  /** Lines in the chunk file (records and the blank lines between them), the last one possibly without its newline. */
  lines: number;
  /** Non-blank lines in the chunk file. */
  records: number;
  /** Blank (empty or whitespace) lines since the previous chunk, written or not. */
  blank: number;
  /** The chunk file; empty when the chunk has no record (only blank lines). */
  file: string;
  /** SHA-256 of the chunk's bytes, hex. */
  sha256: string;
  /** Bytes of the input up to the end of this chunk (for gzip, the compressed bytes read so far), for progress. */
  inputBytes: number;
  /** The first records of the input, on its first chunk only (for telling which dataset the lines are from). */
  sample?: string[];
}

export interface ChunkOptions {
  /** The byte count kept by `decoded` (lines.ts): a gzip input's progress is its compressed bytes. */
  consumed?: { bytes: number; gzip?: boolean };
  /** Records of the first chunk to keep as its sample. */
  sampleLines?: number;
}

const SAMPLE_LINE_BYTES = 64 * 1024;
const isBlankByte = (b: number) => b === 32 || b === 9 || b === 13;

/** Whether buf[from, to) holds a byte other than space, tab and carriage return. */
function hasContent(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isBlankByte(buf[i]!)) return true;
  return false;
}

/**
 * Chunk files of `recordsPerChunk` records in `dir`. When the input fails part-way (a gzip file cut off), the
 * lines read so far come out as a last chunk before the error is thrown, so no line before the damage is lost.
 */
export async function* chunkFiles(bytes: AsyncIterable<Buffer>, recordsPerChunk: number, dir: string, opts: ChunkOptions = {}): AsyncGenerator<LineChunk> {
  const consumed = opts.consumed ?? { bytes: 0 };
  let index = 0;
  let scanned = 0; // input bytes of the pieces before the current one
  let lineNo = 1; // number of the line in progress
  let content = false; // whether the line in progress has a non-blank byte yet
  let partial = false; // whether the line in progress has any byte yet
  let lineStart = 0; // where the line in progress starts in the current piece; -1 when it began in an earlier one
  let chunk = { firstLine: 0, lines: 0, records: 0, blank: 0 };
  // Bytes of the line in progress while no chunk file is open: set aside until the line proves to be a record.
  let leading: Buffer[] = [];
  const sample: string[] = [];
  let sampling = (opts.sampleLines ?? 0) > 0;
  let open: { handle: fs.promises.FileHandle; file: string; hash: crypto.Hash } | null = null;

  const write = async (piece: Buffer) => {
    if (piece.length === 0) return;
    if (!open) leading.push(piece);
    else {
      await open.handle.write(piece);
      open.hash.update(piece);
    }
  };
  const openFile = async () => {
    const file = path.join(dir, `chunk-${index++ % 2}.ndjson`);
    open = { handle: await fs.promises.open(file, 'w', 0o600), file, hash: crypto.createHash('sha256') };
    chunk.firstLine = lineNo;
    const before = leading;
    leading = [];
    for (const piece of before) await write(piece);
  };
  /** `scanned` is the number of input bytes up to the chunk's end. */
  const close = async (scanned: number): Promise<LineChunk | null> => {
    if (!open && chunk.blank === 0) return null;
    const current = open;
    open = null;
    await current?.handle.close();
    const out: LineChunk = {
      ...chunk, firstLine: current ? chunk.firstLine : lineNo, file: current?.file ?? '', sha256: current?.hash.digest('hex') ?? '',
      inputBytes: consumed.gzip ? consumed.bytes : scanned,
      ...(opts.sampleLines && index <= 1 ? { sample } : {}),
    };
    sampling = false;
    chunk = { firstLine: 0, lines: 0, records: 0, blank: 0 };
    // Decompressed pieces live outside the JavaScript heap, which the collector does not watch closely: left
    // alone they pile up to hundreds of megabytes before a collection.
    collectGarbage();
    return out;
  };
  /** Counts the line in progress, which has just ended (at a newline, or at the end of the input). */
  const endLine = (buf: Buffer | null, end: number) => {
    if (content) {
      chunk.records++;
      if (sampling && buf && lineStart >= 0 && end - lineStart <= SAMPLE_LINE_BYTES) {
        sample.push(buf.toString('utf8', lineStart, end));
        sampling = sample.length < opts.sampleLines!;
      }
    } else chunk.blank++;
    if (open) chunk.lines++;
    else leading = []; // a blank line before the chunk's first record: not written
    lineNo++;
    content = false;
    partial = false;
  };
  const abandon = async () => {
    const current = open;
    open = null;
    await current?.handle.close().catch(() => undefined);
  };
  try {
    for await (const buf of bytes) {
      let start = 0; // first byte of buf not yet written or set aside
      let i = 0;
      lineStart = partial ? -1 : 0;
      for (;;) {
        const nl = buf.indexOf(10, i);
        const end = nl === -1 ? buf.length : nl;
        if (end > i) partial = true;
        // Set-aside bytes of this line, and this piece's bytes of it from `start`, go to the file it opens.
        if (!content && hasContent(buf, i, end)) {
          content = true;
          if (!open) await openFile();
        }
        if (nl === -1) break;
        endLine(buf, nl);
        i = nl + 1;
        if (!open) start = i;
        lineStart = i;
        if (chunk.records === recordsPerChunk) {
          await write(buf.subarray(start, i));
          start = i;
          yield (await close(scanned + i))!;
        }
      }
      await write(buf.subarray(start));
      scanned += buf.length;
    }
    if (partial) endLine(null, 0);
    const last = await close(scanned);
    if (last) yield last;
  } catch (err) {
    if (partial) endLine(null, 0);
    const last = await close(scanned);
    if (last) yield last;
    throw err;
  } finally {
    await abandon();
  }
}
