/**
 * `${NAME}` in a source's `table` (a table function's host, user, password): the value comes from the
 * environment when a statement is built, never into the definition the program carries around, so that every
 * message that shows the table shows it as written. Server messages can quote a statement back (a syntax
 * error does), so they pass through hideSecrets before they are shown.
 */
import { UsageError } from '../errors.js';
import type { LayerSource, SourceDefinition } from './types.js';

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The names of the variables `text` refers to, in order, once each. */
export function variablesIn(text: string): string[] {
  return [...new Set([...text.matchAll(VARIABLE)].map((m) => m[1]!))];
}

/** `text` with each `${NAME}` replaced by its value; a variable unset (or empty) is refused by its name. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(VARIABLE, (_, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') throw new UsageError(`the source table names the environment variable ${name}, which is not set: set it (e.g. export ${name}=…) before running`);
    return value;
  });
}

/** The table (or table function) as statements read it: its variables expanded. */
export function tableSql(src: Pick<LayerSource, 'table'>, env: NodeJS.ProcessEnv = process.env): string {
  return expandEnv(src.table, env);
}

/**
 * `text` with the value of every variable the definition's tables name shown as `${NAME}` again. Values
 * shorter than three characters are left (they would blank out unrelated words), as the configuration does.
 */
export function hideSecrets(text: string, def: SourceDefinition, env: NodeJS.ProcessEnv = process.env): string {
  const pairs: Array<[string, string]> = [];
  for (const src of [def.l34, def.l7]) {
    if (!src) continue;
    for (const name of variablesIn(src.table)) {
      const value = env[name];
      if (value && value.length >= 3) pairs.push([value, `\${${name}}`]);
    }
  }
  // Longest first: a value containing another is replaced whole.
  pairs.sort((a, b) => b[0].length - a[0].length);
  return pairs.reduce((t, [value, shown]) => t.split(value).join(shown), text);
}

/** The same error with its message (and its cause's) passed through hideSecrets: what may be printed or logged. */
export function withoutSecrets(err: unknown, def: SourceDefinition, env: NodeJS.ProcessEnv = process.env): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? hideSecrets(err, def, env) : err;
  const hidden = hideSecrets(err.message, def, env);
  if (hidden !== err.message) err.message = hidden;
  if (err.stack) err.stack = hideSecrets(err.stack, def, env);
  // The cause (the client's error) carries the server's text too; it is not printed, but a log may serialize it.
  if (err.cause !== undefined) withoutSecrets(err.cause, def, env);
  return err;
}
