/**
 * What an attack id may contain where a user names one (`generate --attack`, the API's incident reports).
 * Attack ids come from telemetry, which attackers shape, and they travel into file names, report ids and log
 * lines as well as (bound) SQL parameters: a quote, a slash, a space or a control character would be trouble
 * there. Cloudflare's attack ids are hex strings; other providers' are short names (`l34-acme-03-9f2c1a`,
 * `2026-11-20:att:17`). Both fit this rule. An id in the data that does not fit is listed (marked so) but
 * cannot be asked for.
 */
export const ATTACK_ID_MAX_LENGTH = 128;
export const ATTACK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const ATTACK_ID_RULE = `1-${ATTACK_ID_MAX_LENGTH} characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit`;

/** Why `value` is not an attack id a report can be asked for, or undefined when it is one. */
export function attackIdProblem(value: string): string | undefined {
  if (ATTACK_ID_PATTERN.test(value)) return undefined;
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value.length > ATTACK_ID_MAX_LENGTH) return `${shown} is ${value.length} characters long; an attack id has ${ATTACK_ID_RULE}`;
  return `${shown} is not a valid attack id: ${ATTACK_ID_RULE}`;
}
