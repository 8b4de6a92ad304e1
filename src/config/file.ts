/**
 * Loads the YAML configuration file: parse, substitute `${VAR}` from the environment (so secrets stay out
 * of the file), validate against the schema, resolve relative paths against the file's directory, and load
 * the branding it names. Every problem is collected with its path and line, and all are reported together.
 */
import { loadSourceDefinition, SourceDefinitionError } from '../source/definition.js';
import type { SourceDefinition } from '../source/types.js';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { UsageError, errorMessage } from '../errors.js';
import { readRegularFile } from '../util/read-file.js';
import { brandingFromFields, loadBranding, type Branding } from '../render/branding.js';
import { configSchema, type Config, type CustomerConfig } from './schema.js';

export interface LoadedConfig {
  file: string;
  config: Config;
  /** Branding per customer id: provider file, then the customer's overrides. */
  branding: Map<string, Branding>;
  /** The source definition of clickhouse.source, when reports read a provider's own tables. */
  source?: SourceDefinition;
}

/** A configuration with problems: each line is `path (line N): message`. */
export class ConfigError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration ${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

type Path = (string | number)[];

/** A configuration is a few KB; the bound stops a wrong path (a device, a dump) before it is read. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** A value `${NAME}` put into the file: its path, the scalar as written and as substituted, and each variable's value. */
interface Substitution {
  path: Path;
  written: string;
  value: string;
  variables: { name: string; value: string }[];
}

const showPath = (p: Path) => (p.length === 0 ? '(top level)' : p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${k}`)).join(''));

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const text = readRegularFile(file, { what: 'the configuration file', maxBytes: MAX_CONFIG_BYTES }).toString('utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (p: Path): string => {
    // The deepest node that exists on the path: a missing key is reported at its parent.
    for (let n = p.length; n >= 0; n--) {
      const node = doc.getIn(p.slice(0, n), true) as Node | undefined;
      if (node && typeof node === 'object' && 'range' in node && node.range) return ` (line ${lines.linePos(node.range[0]).line})`;
    }
    return '';
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`));
  }
  const problems: { path: Path; text: string }[] = [];
  const unset = new Set<string>();
  const substituted: Substitution[] = [];
  substituteEnv(doc.contents, [], env, substituted, (p, message) => {
    unset.add(showPath(p));
    problems.push({ path: p, text: `${showPath(p)}${lineOf(p)}: ${message}` });
  });
  // Problems quote values (zod, cron-parser: "got value: …"); one that came from the environment may be a secret.
  const fail = () => new ConfigError(file, problems.map((p) => withoutSecrets(p.text, p.path, substituted)));
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    // yaml refuses documents whose aliases would expand past maxAliasCount (a "billion laughs").
    const message = err instanceof ReferenceError && /alias/i.test(err.message) ? 'too many aliases (a document that expands without bound); write the values out' : errorMessage(err);
    throw new ConfigError(file, [`(top level): ${message}`]);
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    // A value left empty by an unset variable is reported once, as such.
    for (const issue of parsed.error.issues.filter((i) => !unset.has(showPath(i.path as Path)))) {
      problems.push({ path: issue.path as Path, text: `${showPath(issue.path as Path)}${lineOf(issue.path as Path)}: ${issue.message}` });
    }
  }
  if (problems.length > 0 || !parsed.success) throw fail();
  const baseDir = path.dirname(path.resolve(file));
  const config = resolvePaths(parsed.data, baseDir);
  const branding = new Map<string, Branding>();
  config.customers.forEach((customer, i) => {
    try {
      branding.set(customer.id, customerBranding(config, customer, baseDir, file));
    } catch (err) {
      const at: Path = ['customers', i, 'branding'];
      problems.push({ path: at, text: `${showPath(at)}${lineOf(at)}: ${errorMessage(err)}` });
    }
  });
  let source: SourceDefinition | undefined;
  if (config.clickhouse.source) {
    try {
      source = loadSourceDefinition(config.clickhouse.source);
    } catch (err) {
      const at: Path = ['clickhouse', 'source'];
      const detail = err instanceof SourceDefinitionError ? `${err.problems.join('; ')}` : errorMessage(err);
      problems.push({ path: at, text: `${showPath(at)}${lineOf(at)}: ${config.clickhouse.source}: ${detail}` });
    }
  }
  if (problems.length > 0) throw fail();
  return { file, config, branding, ...(source ? { source } : {}) };
}

/**
 * Replaces `${NAME}` in string values with the environment variable; an unset one is a problem, not an empty
 * string. Each substitution is recorded in `done`, so that problems can be reported without the values.
 */
function substituteEnv(node: unknown, at: Path, env: NodeJS.ProcessEnv, done: Substitution[], problem: (p: Path, message: string) => void): void {
  if (isMap(node)) {
    for (const pair of node.items) substituteEnv(pair.value, [...at, isScalar(pair.key) ? String(pair.key.value) : String(pair.key)], env, done, problem);
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => substituteEnv(item, [...at, i], env, done, problem));
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
    const written = node.value;
    const variables: Substitution['variables'] = [];
    node.value = written.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined || value === '') {
        problem(at, `names the environment variable ${name}, which is not set`);
        return '';
      }
      variables.push({ name, value });
      return value;
    });
    if (variables.length > 0) done.push({ path: at, written, value: node.value as string, variables });
  }
}

/**
 * `text` with every value that came from the environment shown as written (`${NAME}`). Values of three
 * characters or more are replaced wherever they appear (a message may quote another field's value). In the
 * problems of the field itself, or of a field containing it or inside it, shorter values are replaced too, and so
 * is every word of the message that holds a word (three characters or more) of one of its values.
 */
function withoutSecrets(text: string, at: Path, substituted: Substitution[]): string {
  const related = (p: Path) => p.slice(0, at.length).every((k, i) => k === at[i]) || at.slice(0, p.length).every((k, i) => k === p[i]);
  const pairs: [string, string][] = [];
  for (const s of substituted) {
    const near = related(s.path);
    if (s.value.length >= 3 || near) pairs.push([s.value, s.written]);
    for (const v of s.variables) if (v.value.length >= 3 || near) pairs.push([v.value, `\${${v.name}}`]);
  }
  // Longest first: a whole substituted value before the variables inside it.
  pairs.sort((a, b) => b[0].length - a[0].length);
  const replaced = pairs.filter(([secret]) => secret !== '').reduce((t, [secret, shown]) => t.split(secret).join(shown), text);
  // Parsers quote a part of a value ("got value: …" of one cron field): a word holding a word of a value goes too.
  const words = substituted
    .filter((s) => related(s.path))
    .flatMap((s) => s.variables.flatMap((v) => v.value.split(SEPARATORS).filter((w) => w.length >= 3).map((w) => ({ w, name: v.name }))));
  if (words.length === 0) return replaced;
  return replaced
    .split(new RegExp(`(${SEPARATORS.source})`))
    .map((word, i) => {
      // Odd items are the separators the split kept.
      if (i % 2 === 1 || word.includes('${')) return word;
      const from = words.find((x) => word.includes(x.w));
      return from ? `\${${from.name}}` : word;
    })
    .join('');
}

const SEPARATORS = /[\s,;:()"'`[\]<>=]+/;

function resolvePaths(config: Config, baseDir: string): Config {
  const abs = (p: string) => path.resolve(baseDir, p);
  return {
    ...config,
    clickhouse: {
      ...config.clickhouse, ...(config.clickhouse.dataDir ? { dataDir: abs(config.clickhouse.dataDir) } : {}), ...(config.clickhouse.source ? { source: abs(config.clickhouse.source) } : {}),
    },
    branding: config.branding ? abs(config.branding) : undefined,
    output: { ...config.output, dir: abs(config.output.dir) },
    worker: { ...config.worker, stateDir: abs(config.worker.stateDir) },
  };
}

function customerBranding(config: Config, customer: CustomerConfig, baseDir: string, file: string): Branding {
  if (config.branding) return loadBranding(config.branding, customer.accountId, { fields: customer.branding ?? {}, baseDir, source: file });
  return brandingFromFields(customer.branding, baseDir, file);
}
