/** Bench sections of RESULTS.md that a part run alone (BENCH_ONLY) rewrites in place. */

/** `md` with its section under `heading` replaced by `section` (or put before the history, or at the end). */
export function spliceSection(md: string, heading: string, section: string): string {
  const start = md.search(new RegExp(`^${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  if (start >= 0) {
    const next = md.slice(start + 1).search(/^## /m);
    return next >= 0 ? `${md.slice(0, start)}${section}\n${md.slice(start + 1 + next)}` : `${md.slice(0, start)}${section}`;
  }
  const history = md.search(/^## History/m);
  if (history >= 0) return `${md.slice(0, history)}${section}\n${md.slice(history)}`;
  return `${md.trimEnd()}\n\n${section}`;
}
