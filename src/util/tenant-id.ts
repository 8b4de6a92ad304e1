/**
 * What a tenant id (an AccountID or a ZoneID) may contain, checked wherever one enters: CLI flags, the
 * config file, mapping constants and, later, the API. Ids travel into SQL only as bound parameters, but they
 * also reach deduplication tokens, file names, run ids and log lines, where a quote, a backslash, a slash or a
 * control character would be trouble. Cloudflare's ids are 32 hex digits; providers' own ids are short names
 * (`acme`, `cust-042`, `tenant_7.eu`). Both fit this.
 */
export const TENANT_ID_MAX_LENGTH = 64;
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const TENANT_ID_RULE = `1-${TENANT_ID_MAX_LENGTH} characters of A-Z a-z 0-9 . _ -, starting with a letter or digit`;

/** Why `value` is not a valid tenant id, or undefined when it is one. */
export function tenantIdProblem(value: string): string | undefined {
  if (TENANT_ID_PATTERN.test(value)) return undefined;
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value.length > TENANT_ID_MAX_LENGTH) return `${shown} is ${value.length} characters long; a tenant id has ${TENANT_ID_RULE}`;
  return `${shown} is not a valid tenant id: ${TENANT_ID_RULE}`;
}
