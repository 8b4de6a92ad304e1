import { z } from 'zod';
import { UsageError } from '../errors.js';

/** Settings read from the environment; flags given on the command line win over these. */
const envSchema = z.object({
  CLICKHOUSE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, underscore)')
    .optional(),
  /** A ClickHouse cluster (a `<remote_servers>` name) to shard the tables over; needs CLICKHOUSE_URL. */
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, underscore)')
    .optional(),
  /** Every server of that cluster, as comma-separated http(s) URLs: migrations create the per-shard tables on each. */
  CLICKHOUSE_CLUSTER_NODES: z
    .string()
    .transform((v) => v.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be comma-separated http:// or https:// URLs' })).min(1))
    .optional(),
  ATTACK_REPORT_DATA_DIR: z.string().min(1).optional(),
  PUPPETEER_EXECUTABLE_PATH: z.string().min(1).optional(),
});

export type Env = z.infer<typeof envSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // Empty strings are treated as unset: `FOO= cmd` is a common way to clear a variable.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new UsageError(`invalid environment:\n${problems}`);
  }
  return parsed.data;
}
