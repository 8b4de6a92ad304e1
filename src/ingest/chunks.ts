/**
 * The bytes of an export, decompressed when gzip, cut into chunks of whole lines. Chunks are cut every N lines,
 * so the same input always gives the same chunks: that is what lets a chunk's content identify its INSERT
 * (see batches.ts) and a second load of the same file insert nothing.
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

export interface LineChunk {
  /** Number (1-based) of the chunk's first line in its input. */
  firstLine: number;
  /** Lines in the chunk, the last one possibly without its newline. */
  lines: number;
  bytes: Buffer;
}

/** The input's bytes, decompressed if they start with the gzip magic bytes (so `.gz` and plain files, and stdin, all work). */
export async function* decoded(input: Readable): AsyncGenerator<Buffer> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await chunks.next();
  if (first.done) return;
  const head = Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield Buffer.from(next.value);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) yield* Readable.from(all()).pipe(zlib.createGunzip({ chunkSize: 256 * 1024 }));
  else yield* all();
}

/**
 * Chunks of `linesPerChunk` lines. When the input fails part-way (a gzip file cut off), the lines read so far
 * come out as a last chunk before the error is thrown, so no line before the damage is lost.
 */
export async function* lineChunks(bytes: AsyncIterable<Buffer>, linesPerChunk: number): AsyncGenerator<LineChunk> {
  let parts: Buffer[] = [];
  let lines = 0;
  let firstLine = 1;
  const take = (): LineChunk => {
    const chunk = { firstLine, lines, bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
    firstLine += lines;
    parts = [];
    lines = 0;
    return chunk;
  };
  try {
    for await (const buf of bytes) {
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, nl + 1)) {
        if (++lines === linesPerChunk) {
          parts.push(buf.subarray(start, nl + 1));
          start = nl + 1;
          yield take();
        }
      }
      if (start < buf.length) parts.push(buf.subarray(start));
    }
  } catch (err) {
    if (parts.length) yield closeLast();
    throw err;
  }
  if (parts.length) yield closeLast();

  function closeLast(): LineChunk {
    // The last line has no newline: it still counts as a line.
    if (parts.at(-1)!.at(-1) !== 10) lines++;
    return take();
  }
}
