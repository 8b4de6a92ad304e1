/**
 * Error taxonomy. The CLI is the one place that maps these to exit codes:
 * UsageError (bad flags, bad config) exits 2; everything else exits 1.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure of something outside our control (ClickHouse, browser, disk). */
export class RuntimeFailure extends Error {
  override readonly name = 'RuntimeFailure';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
