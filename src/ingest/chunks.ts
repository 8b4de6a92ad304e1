/**
 * The bytes of an export, decompressed when gzip, cut into chunk files of whole lines for ClickHouse to read.
 * Chunks are cut every N lines, so the same input always gives the same chunks: that is what lets a chunk's
 * hash identify its INSERT (see batches.ts), and a second load of the same file insert nothing.
 *
 * Bytes go to the chunk file as they are decompressed, so memory holds no chunk. Two files alternate: the next
 * chunk is written while ClickHouse reads the current one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { collectGarbage } from '../util/gc.js';

export interface LineChunk {
  /** Number (1-based) of the chunk's first line in its input. */
  firstLine: number;
  /** Lines in the chunk, the last one possibly without its newline. */
  lines: number;
  file: string;
  /** SHA-256 of the chunk's bytes, hex. */
  sha256: string;
  /** Bytes of the input up to the end of this chunk (for gzip, the compressed bytes read so far), for progress. */
  inputBytes: number;
}

/** What `decoded` has read so far: input bytes, and whether they are gzip. */
export interface ByteCount {
  bytes: number;
  gzip?: boolean;
}

/** The input's bytes, decompressed if they start with the gzip magic bytes (so `.gz` and plain files, and stdin, all work). */
export async function* decoded(input: Readable, consumed: ByteCount = { bytes: 0 }): AsyncGenerator<Buffer> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await chunks.next();
  if (first.done) return;
  const head = Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    consumed.bytes += head.length;
    yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      const piece = Buffer.from(next.value);
      consumed.bytes += piece.length;
      yield piece;
    }
  }
  consumed.gzip = head[0] === 0x1f && head[1] === 0x8b;
  if (consumed.gzip) yield* Readable.from(all()).pipe(zlib.createGunzip({ chunkSize: 1 << 20 }));
  else yield* all();
}

/**
 * Chunk files of `linesPerChunk` lines in `dir`. When the input fails part-way (a gzip file cut off), the lines
 * read so far come out as a last chunk before the error is thrown, so no line before the damage is lost.
 */
export async function* chunkFiles(bytes: AsyncIterable<Buffer>, linesPerChunk: number, dir: string, consumed: ByteCount = { bytes: 0 }): AsyncGenerator<LineChunk> {
  let index = 0;
  let firstLine = 1;
  let lines = 0;
  let written = 0;
  let open: { handle: fs.promises.FileHandle; file: string; hash: crypto.Hash; endsWithNewline: boolean } | null = null;
  const write = async (piece: Buffer) => {
    if (piece.length === 0) return;
    if (!open) {
      const file = path.join(dir, `chunk-${index++ % 2}.ndjson`);
      open = { handle: await fs.promises.open(file, 'w'), file, hash: crypto.createHash('sha256'), endsWithNewline: false };
    }
    await open.handle.write(piece);
    written += piece.length;
    open.hash.update(piece);
    open.endsWithNewline = piece[piece.length - 1] === 10;
  };
  const close = async (): Promise<LineChunk | null> => {
    if (!open) return null;
    const { handle, file, hash, endsWithNewline } = open;
    open = null;
    await handle.close();
    // The last line of an input may have no newline: it still counts as a line.
    if (!endsWithNewline) lines++;
    const chunk = { firstLine, lines, file, sha256: hash.digest('hex'), inputBytes: consumed.gzip ? consumed.bytes : written };
    firstLine += lines;
    lines = 0;
    // Decompressed pieces live outside the JavaScript heap, which the collector does not watch closely: left
    // alone they pile up to hundreds of megabytes before a collection.
    collectGarbage();
    return chunk;
  };
  // Stopped early (the consumer failed and returned): the chunk being written is abandoned, its file closed.
  const abandon = async () => {
    const current = open;
    open = null;
    await current?.handle.close().catch(() => undefined);
  };
  try {
    for await (const buf of bytes) {
      let start = 0;
      for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, nl + 1)) {
        if (++lines === linesPerChunk) {
          await write(buf.subarray(start, nl + 1));
          start = nl + 1;
          yield (await close())!;
        }
      }
      await write(buf.subarray(start));
    }
    const last = await close();
    if (last) yield last;
  } catch (err) {
    const last = await close();
    if (last) yield last;
    throw err;
  } finally {
    await abandon();
  }
}
