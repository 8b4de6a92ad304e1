import type { ClickHouseTarget } from './client.js';

type Results<T extends readonly (() => Promise<unknown>)[]> = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };

/**
 * Runs independent query tasks at once on a server, which runs their queries concurrently; one after another,
 * in the order given, on the in-process engine, which runs one query at a time anyway, so that there it does the
 * same work in the same order as before (interleaving them measured no faster there, and possibly slower).
 */
export async function together<T extends readonly (() => Promise<unknown>)[]>(target: ClickHouseTarget, tasks: T): Promise<Results<T>> {
  if (!target.embedded) return (await Promise.all(tasks.map((task) => task()))) as Results<T>;
  const results: unknown[] = [];
  for (const task of tasks) results.push(await task());
  return results as Results<T>;
}
