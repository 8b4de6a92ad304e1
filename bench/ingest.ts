/**
 * Ingest benchmark (issue 6): a generated gzip NDJSON export of network analytics (mixed timestamp encodings
 * and field spellings, as real exports are) loaded by `attack-report ingest` in its own process into a fresh
 * embedded engine, three times. Reports rows per second (median) and the peak memory of that process (RSS, PSS,
 * and the anonymous part: what the load allocates, without the engine's code mapped from its library file),
 * against baselines measured in the same run: reading, decompressing and splitting the same file into lines in
 * Node (the floor of any streaming loader), and the memory of a process that only opens the engine.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { PACKAGE_ROOT } from '../src/util/paths.js';

export interface Memory {
  /** Resident set size: every page the process maps, shared or not. */
  rss: number;
  /** Proportional set size: shared pages split between the processes that map them. */
  pss: number;
  /** Its anonymous part (heap and stacks, not files mapped). */
  anon: number;
}

export interface IngestBench {
  lines: number;
  fileBytes: number;
  /** Wall time of each run, ms. */
  runsMs: number[];
  /** Median over the runs. */
  rowsPerSecond: number;
  /** Highest over the runs. */
  peak: Memory;
  /** A process that opens the engine and checks the schema (`db migrate` on a migrated directory), nothing else. */
  engineFloor: Memory;
  baselineRowsPerSecond: number;
  summary: string;
}

/** PSS and its anonymous part of one process, in bytes (zero when it has gone). */
function memoryOf(pid: number): Memory {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('Rss'), pss: kb('Pss'), anon: kb('Pss_Anon') };
  } catch {
    return { rss: 0, pss: 0, anon: 0 };
  }
}

const higher = (a: Memory, b: Memory): Memory => ({ rss: Math.max(a.rss, b.rss), pss: Math.max(a.pss, b.pss), anon: Math.max(a.anon, b.anon) });

/** Deterministic export lines: the i-th line is always the same. */
function* exportLines(count: number): Generator<string> {
  const t0 = Date.UTC(2026, 10, 1);
  for (let i = 0; i < count; i++) {
    const t = t0 + i * 50;
    // Every fourth line a unix-seconds string, every seventh nanoseconds, else RFC 3339; old and new spellings.
    const datetime = i % 4 === 0 ? String(Math.floor(t / 1000)) : i % 7 === 0 ? `${t}000000` : new Date(t).toISOString();
    const ttl = i % 2 === 0 ? { IPTTL: 40 + (i % 80) } : { IPTtl: 40 + (i % 80) };
    yield JSON.stringify({
      Datetime: datetime, SampleInterval: 1000, AttackID: i % 3 === 0 ? `a${i >> 16}` : '', AttackVector: i % 3 === 0 ? 'DNS Amplification' : '',
      ColoCode: ['FRA', 'AMS', 'LHR', 'SJC'][i % 4], IPSourceAddress: `198.51.${(i >> 8) & 255}.${i & 255}`, IPDestinationAddress: `203.0.113.${i % 32}`,
      IPProtocol: 17, IPProtocolName: 'UDP', IPTotalLength: 60 + (i % 1400), ...ttl, SourcePort: i % 3 === 0 ? 53 : 1024 + (i % 60000),
      DestinationPort: 443, TCPFlags: 0, MitigationSystem: 'dosd', Outcome: i % 3 === 0 ? 'drop' : 'pass', Verdict: 'pass', Direction: 'ingress',
      SourceASN: 64496 + (i % 16), SourceCountry: 'DE', DestinationASN: 13335, DestinationCountry: 'US', GREEtherType: 0, IPv4Checksum: i % 65536, UDPChecksum: 7,
    });
  }
}

export async function writeExport(file: string, lines: number): Promise<void> {
  const source = Readable.from((function* () {
    let chunk: string[] = [];
    for (const line of exportLines(lines)) {
      chunk.push(line);
      if (chunk.length === 10_000) {
        yield `${chunk.join('\n')}\n`;
        chunk = [];
      }
    }
    if (chunk.length) yield `${chunk.join('\n')}\n`;
  })());
  await pipeline(source, zlib.createGzip({ level: 6 }), fs.createWriteStream(file));
}

/** Lines per second to read, decompress and split the file: no parsing, no database. */
async function baseline(file: string): Promise<number> {
  const started = performance.now();
  let n = 0;
  for await (const _ of readline.createInterface({ input: fs.createReadStream(file).pipe(zlib.createGunzip()), crlfDelay: Infinity })) n++;
  return n / ((performance.now() - started) / 1000);
}

export async function benchIngest(lines: number, log: (line: string) => void, runs = 3): Promise<IngestBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-bench-ingest-'));
  try {
    const file = path.join(dir, 'network_analytics.ndjson.gz');
    log(`ingest: writing a ${lines.toLocaleString('en')}-line gzip export…`);
    await writeExport(file, lines);
    const baselineRowsPerSecond = await baseline(file);
    const runsMs: number[] = [];
    let peak: Memory = { rss: 0, pss: 0, anon: 0 };
    let engineFloor: Memory = { rss: 0, pss: 0, anon: 0 };
    let summary = '';
    for (let i = 0; i < runs; i++) {
      const dataDir = path.join(dir, `clickhouse-${i}`);
      // The schema is created first, so that the timed run measures loading only.
      await run(['--data-dir', dataDir, 'db', 'migrate'], () => undefined);
      await run(['--data-dir', dataDir, 'db', 'migrate'], (pid) => (engineFloor = higher(engineFloor, memoryOf(pid))), 20);
      const started = performance.now();
      summary = await run(['--data-dir', dataDir, 'ingest', '--dataset', 'network_analytics_logs', '--account', 'bench-ingest', '--rejects', path.join(dir, 'rejects.ndjson'), file], (pid) => {
        peak = higher(peak, memoryOf(pid));
      });
      runsMs.push(performance.now() - started);
      log(`ingest run ${i + 1}/${runs}: ${Math.round(lines / (runsMs.at(-1)! / 1000)).toLocaleString('en')} rows/s`);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const median = [...runsMs].sort((a, b) => a - b)[Math.floor(runs / 2)]!;
    return { lines, fileBytes: fs.statSync(file).size, runsMs, rowsPerSecond: lines / (median / 1000), peak, engineFloor, baselineRowsPerSecond, summary };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the CLI, sampling its process every `everyMs`; resolves with its stderr's summary line. */
function run(args: string[], sample: (pid: number) => void, everyMs = 100): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'attack-report.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setInterval(() => child.pid && sample(child.pid), everyMs);
    child.once('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve(stderr.split('\n').find((l) => l.includes('read ')) ?? '');
      else reject(new Error(`attack-report ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}
