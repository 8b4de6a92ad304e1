/**
 * Loads the YAML configuration file: parse, substitute `${VAR}` from the environment (so secrets stay out
 * of the file), validate against the schema, resolve relative paths against the file's directory, and load
 * the branding it names. Every problem is collected with its path and line, and all are reported together.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { UsageError } from '../errors.js';
import { brandingFromFields, loadBranding, type Branding } from '../render/branding.js';
import { configSchema, type Config, type CustomerConfig } from './schema.js';

export interface LoadedConfig {
  file: string;
  config: Config;
  /** Branding per customer id: provider file, then the customer's overrides. */
  branding: Map<string, Branding>;
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

const showPath = (p: Path) => (p.length === 0 ? '(top level)' : p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${k}`)).join(''));

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the configuration file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
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
  const problems: string[] = [];
  const unset = new Set<string>();
  substituteEnv(doc.contents, [], env, (p, message) => {
    unset.add(showPath(p));
    problems.push(`${showPath(p)}${lineOf(p)}: ${message}`);
  });
  const parsed = configSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    // A value left empty by an unset variable is reported once, as such.
    for (const issue of parsed.error.issues.filter((i) => !unset.has(showPath(i.path as Path)))) {
      problems.push(`${showPath(issue.path as Path)}${lineOf(issue.path as Path)}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(file, problems);
  const baseDir = path.dirname(path.resolve(file));
  const config = resolvePaths(parsed.data, baseDir);
  const branding = new Map<string, Branding>();
  config.customers.forEach((customer, i) => {
    try {
      branding.set(customer.id, customerBranding(config, customer, baseDir, file));
    } catch (err) {
      problems.push(`${showPath(['customers', i, 'branding'])}${lineOf(['customers', i, 'branding'])}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { file, config, branding };
}

/** Replaces `${NAME}` in string values with the environment variable; an unset one is a problem, not an empty string. */
function substituteEnv(node: unknown, at: Path, env: NodeJS.ProcessEnv, problem: (p: Path, message: string) => void): void {
  if (isMap(node)) {
    for (const pair of node.items) substituteEnv(pair.value, [...at, isScalar(pair.key) ? String(pair.key.value) : String(pair.key)], env, problem);
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => substituteEnv(item, [...at, i], env, problem));
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
    node.value = node.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined || value === '') {
        problem(at, `names the environment variable ${name}, which is not set`);
        return '';
      }
      return value;
    });
  }
}

function resolvePaths(config: Config, baseDir: string): Config {
  const abs = (p: string) => path.resolve(baseDir, p);
  return {
    ...config,
    clickhouse: { ...config.clickhouse, ...(config.clickhouse.dataDir ? { dataDir: abs(config.clickhouse.dataDir) } : {}) },
    branding: config.branding ? abs(config.branding) : undefined,
    output: { ...config.output, dir: abs(config.output.dir) },
    worker: { ...config.worker, stateDir: abs(config.worker.stateDir) },
  };
}

function customerBranding(config: Config, customer: CustomerConfig, baseDir: string, file: string): Branding {
  if (config.branding) return loadBranding(config.branding, customer.accountId, { fields: customer.branding ?? {}, baseDir, source: file });
  return brandingFromFields(customer.branding, baseDir, file);
}
