/** The "## Foreign source" section of bench/RESULTS.md (issue 15), spliced in by `BENCH_ONLY=source`. */
import os from 'node:os';
import type { SourceBench } from './source.js';
import { CHUNK_MS } from './source.js';
import { markdownTable, ms, spread, type Sample } from './stats.js';

export const SOURCE_HEADING = '## Foreign source';

const x = (v: number) => `${v.toFixed(2)}×`;
/** A ratio of two medians; both under a millisecond is an empty step (L7: the flow table has none), not a ratio. */
const rx = (a: Sample, b: Sample) => (a.median < 1 && b.median < 1 ? '— (empty)' : x(a.median / b.median));

export function sourceSection(s: SourceBench, dataDir: string, only: boolean): string {
  const t = s.tables;
  const from = new Date(s.window.fromMs).toISOString();
  const to = new Date(s.window.toMs).toISOString();
  const report = markdownTable(
    ['30-day report, account ' + s.account + ' (ms)', 'over the source', 'min–max', 'native, same rows', 'min–max', 'source ÷ native'],
    [
      ['**generateReport, PDF, warm**', `**${ms(s.source.warm.median)}**`, spread(s.source.warm), ms(s.native.warm.median), spread(s.native.warm), `**${x(s.ratio.warm)}**`],
      ['of which the queries and analysis (its queryMs)', ms(s.source.query.median), spread(s.source.query), ms(s.native.query.median), spread(s.native.query), x(s.ratio.query)],
      ['buildReport alone', ms(s.source.built.median), spread(s.source.built), ms(s.native.built.median), spread(s.native.built), x(s.ratio.built)],
    ],
  );
  const raw = markdownTable(
    ['Step reading raw rows, on its own (ms, median of 3)', 'over the source', 'native', 'source ÷ native'],
    [
      [`Bare scan: count, sum(Packets), uniqExact(source) of the window's ${s.scan.rows.toLocaleString('en')} rows`, ms(s.scan.source.median), ms(s.scan.native.median), rx(s.scan.source, s.scan.native)],
      ...s.raw.map((r) => [r.name, ms(r.source.median), ms(r.native.median), rx(r.source, r.native)]),
    ],
  );
  const slow = s.queries.slice(0, 6);
  const queries = markdownTable(
    ['Report query, on its own (ms, median of 3)', 'over the source', 'native', 'source ÷ native'],
    slow.map((q) => [`\`report/${q.name}\``, ms(q.source.median), ms(q.native.median), rx(q.source, q.native)]),
  );
  const b = s.backfill;
  return `${SOURCE_HEADING}

${only ? `Measured alone with \`BENCH_ONLY=source npm run bench\` on ${s.measuredAt} (the sections above are from the full run)` : `Measured in the run above, on ${s.measuredAt}`},
in-process (chDB) on \`${dataDir}\`; load average ${s.load[0].toFixed(1)} at the start, ${s.load[1].toFixed(1)} at the end (${os.cpus().length} cores, shared: compare ratios).

A provider's flow table \`prov.flows\` (tenant as a number, unix seconds, IPv4 as UInt32, sampling rate, protocol
number, router for the colo; ORDER BY (tenant_id, ts)) holds the ${t.flowRows.toLocaleString('en')} rows of the bench's ${t.nativeRows.toLocaleString('en')} L3/4
samples that such a table can represent (both addresses IPv4), and a native database (\`ddos_flowcmp\`) holds exactly
the same rows (whole seconds, the same columns). The source \`flows\` (L3/4 only, feed: periodic; mapping in
bench/source-tables.ts) is attached into \`ddos_src_flows\` afresh on each run and backfilled with \`syncSource\`
over the table's whole range (${new Date(t.fromMs).toISOString().slice(0, 10)} to ${new Date(t.toMs).toISOString().slice(0, 10)}); both tables were ${t.builtMs === null ? 'built by an earlier run and reused' : `built by this run in ${(t.builtMs / 1000).toFixed(0)} s`}.
The report over the source is checked equal to the native one, field for field but generatedAt, before timing
(the bench fails otherwise).

Attach: ${ms(s.attachMs)} ms. **Backfill: ${(b.ms / 1000).toFixed(1)} s for ${t.flowRows.toLocaleString('en')} rows = ${Math.round(b.rowsPerSecond).toLocaleString('en')} rows/s**, ${b.chunks} chunks of
${CHUNK_MS / 3_600_000} h × ${b.feeders.length} feeders = ${b.inserts} INSERT ... SELECTs through the projection view (${b.feeders.join(', ')}); then ${(b.mergeWaitMs / 1000).toFixed(0)} s until
background merges were done, before timing: ${b.parts.source} active parts in the source's rollups, ${b.parts.native} in the native ones.

The 30-day report (${from} to ${to}, tz ${s.tz}, ${s.pdfBytes.toLocaleString('en')}-byte PDF, ${s.totals.packets.toLocaleString('en')} packets), the two
databases in alternation in one process (one warm-up each, then ${s.source.warm.runs} rounds; ratios are medians of the per-round ratios):

${report}

Over the source, the rollups are native tables filled by the backfill, so most of the report reads what the
native report reads; what differs is every read of raw rows: the partial-hour window edges and the analysis
(destinations and scoped backtests, distinct sources) read \`net_samples\`, which over a source is the projection
view (each row converted from the provider's types through the definition's expressions at read time). This
window is in whole hours, so its edges read no raw rows; the flow table has no L7, so both reports' L7 is empty:

${raw}

${queries}
`;
}
