/**
 * Bounds on what an input may cost before any line of it is parsed: the decompressed size of one input, and the
 * length of one line. A line over the bound is never held whole: its bytes are dropped as they stream, it is
 * reported by number (with its first bytes, for a person to look at), and an empty line takes its place so that
 * the numbers of the lines after it stay right.
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** Default longest line: Logpush lines are a few kilobytes; a megabyte is far past any real one. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;
/** Default largest decompressed input: a day of a busy zone's export, with room; a gzip bomb stops here. */
export const DEFAULT_MAX_EXPANDED_BYTES = 64 * 2 ** 30;

/** A line longer than the bound, by number; `head` is its start. */
export interface OversizedLine {
  line: number;
  bytes: number;
  head: string;
}

/** The input stopped being readable part-way (a gzip file cut off or corrupt). */
export class DamagedInput extends Error {
  constructor(readonly compressedOffset: number, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** The input expands past the bound on decompressed bytes. */
export class InputTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`expands to more than ${limit} bytes`);
  }
}

/** What `decoded` has read so far: input bytes, and whether they are gzip. */
export interface ByteCount {
  bytes: number;
  gzip?: boolean;
}

/**
 * The input's bytes, decompressed if they start with the gzip magic bytes (so `.gz` and plain files, and stdin,
 * all work), at most `maxBytes` of them (InputTooLarge past that). A gzip stream that fails part-way throws
 * DamagedInput with the compressed offset where decompression stopped.
 */
export async function* decoded(input: Readable, consumed: ByteCount = { bytes: 0 }, maxBytes = DEFAULT_MAX_EXPANDED_BYTES): AsyncGenerator<Buffer> {
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
  let total = 0;
  const counted = function* (piece: Buffer) {
    total += piece.length;
    if (total > maxBytes) throw new InputTooLarge(maxBytes);
    yield piece;
  };
  if (!consumed.gzip) {
    for await (const piece of all()) yield* counted(piece);
    return;
  }
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
  // pipe() does not pass a read error on; the gunzip stream would wait for ever.
  Readable.from(all()).on('error', (err) => gunzip.destroy(err)).pipe(gunzip);
  try {
    for await (const piece of gunzip as AsyncIterable<Buffer>) yield* counted(piece);
  } catch (err) {
    if (err instanceof InputTooLarge) throw err;
    throw new DamagedInput(gunzip.bytesWritten, err);
  } finally {
    gunzip.destroy();
  }
}

const HEAD_BYTES = 500;

/**
 * `bytes` with every line longer than `maxLineBytes` (newline excluded) replaced by an empty line and passed to
 * `onOversized`. Memory holds at most `maxLineBytes` of a line that has not ended yet.
 */
export async function* boundLines(bytes: AsyncIterable<Buffer>, maxLineBytes: number, onOversized: (o: OversizedLine) => void): AsyncGenerator<Buffer> {
  let line = 1;
  // The line in progress: pieces not yet passed on (it may still grow past the bound), or, once past it, its
  // length and first bytes only.
  let pending: Buffer[] = [];
  let length = 0;
  let dropped: { head: Buffer } | null = null;
  const take = (piece: Buffer) => {
    length += piece.length;
    if (dropped) return;
    if (length > maxLineBytes) {
      dropped = { head: Buffer.concat([...pending, piece]).subarray(0, HEAD_BYTES) };
      pending = [];
    } else pending.push(piece);
  };
  const endLine = () => {
    if (dropped) onOversized({ line, bytes: length, head: dropped.head.toString('utf8') });
    const wasDropped = dropped !== null;
    pending = [];
    length = 0;
    dropped = null;
    line++;
    return wasDropped;
  };
  for await (const buf of bytes) {
    let start = 0;
    let out = 0; // start of the bytes of `buf` still to pass on
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, nl + 1)) {
      if (length === 0 && nl - start <= maxLineBytes) {
        // The common case: a whole line inside this piece, within the bound; passed on with its neighbours.
        line++;
        start = nl + 1;
        continue;
      }
      // A line begun in an earlier piece, or too long: what came before it goes first.
      if (out < start) yield buf.subarray(out, start);
      take(buf.subarray(start, nl));
      const parts = pending;
      if (endLine()) yield Buffer.from('\n');
      else yield Buffer.concat([...parts, Buffer.from('\n')]);
      start = out = nl + 1;
    }
    if (out < start) yield buf.subarray(out, start);
    if (start < buf.length) take(buf.subarray(start));
  }
  // The last line, without a newline.
  if (length > 0) {
    const parts = pending;
    if (!endLine()) yield Buffer.concat(parts);
  }
}
