/**
 * Whether a file's first lines are from the dataset they are being loaded as, told by their field names
 * against each dataset's declarations (datasets.ts). A network file loaded as firewall_events would otherwise
 * go in "successfully": a few rows with nearly every field ignored, and reports built on them. Pure.
 */
import { DATASETS, type Dataset } from './datasets.js';

const lower = (fields: string[]) => fields.map((f) => f.toLowerCase());
const declared = (ds: Dataset) => new Set(lower(Object.values(ds.columns).flatMap((c) => c.from)));

interface Fit {
  ds: Dataset;
  /** Field names of the sample this dataset declares. */
  known: number;
  /** Field names of the sample only this dataset declares. */
  own: number;
  /** Whether some line of the sample has this dataset's timestamp field. */
  hasTime: boolean;
}

function fit(ds: Dataset, keys: Set<string>, all: Dataset[]): Fit {
  const mine = declared(ds);
  const others = new Set(all.filter((d) => d !== ds).flatMap((d) => [...declared(d)]));
  let known = 0;
  let own = 0;
  for (const k of keys) {
    if (!mine.has(k)) continue;
    known++;
    if (!others.has(k)) own++;
  }
  return { ds, known, own, hasTime: lower(ds.columns.Datetime!.from).some((f) => keys.has(f)) };
}

/**
 * Why `sample` (the first lines of an input) should not be loaded as `chosen`, or undefined when nothing says
 * so. Another dataset wins when the lines carry fields only it declares and none only `chosen` declares, or when
 * they carry its timestamp field and not `chosen`'s. Lines that are not JSON objects are left to the loader,
 * which rejects them one by one.
 */
export function datasetMismatch(sample: string[], chosen: Dataset, all: Dataset[] = Object.values(DATASETS)): string | undefined {
  const first = sample.find((l) => l.trim() !== '')?.trimStart() ?? '';
  if (first.startsWith('[')) {
    return 'starts with "[": it is a JSON array, not NDJSON (one JSON object per line); convert it first, e.g. jq -c \'.[]\' FILE > FILE.ndjson';
  }
  const keys = new Set<string>();
  for (const line of sample) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) for (const k of Object.keys(value)) keys.add(k.toLowerCase());
  }
  if (keys.size === 0) return undefined;
  const mine = fit(chosen, keys, all);
  const better = all
    .filter((d) => d.name !== chosen.name)
    .map((d) => fit(d, keys, all))
    .filter((f) => (f.own > 0 && mine.own === 0) || (f.hasTime && !mine.hasTime))
    .sort((a, b) => b.known - a.known)[0];
  if (!better) return undefined;
  const time = mine.hasTime ? '' : `; no line has ${chosen.name}'s timestamp field ${chosen.columns.Datetime!.from[0]}`;
  return `looks like ${better.ds.name}, not ${chosen.name}: of its first ${sample.length} line(s)' ${keys.size} field names, ${better.known} are ${better.ds.name} fields and ${mine.known} are ${chosen.name} fields${time}. Use --dataset ${better.ds.name}, or --no-dataset-check to load it as ${chosen.name} anyway`;
}
