-- The most recent demo seed run, if any. Returns (SeedRun, Seed, Scale, WindowFrom, WindowTo) or no row.
SELECT SeedRun, Seed, Scale, toUnixTimestamp64Milli(WindowFrom) AS fromMs, toUnixTimestamp64Milli(WindowTo) AS toMs
FROM {db:Identifier}.seed_runs
ORDER BY CreatedAt DESC
LIMIT 1
