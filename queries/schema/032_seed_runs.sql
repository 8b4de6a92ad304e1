-- One row per `attack-report seed` run: the window it covered and its parameters. Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.seed_runs
(
    SeedRun     String,
    Seed        UInt32,
    Scale       Float64,
    WindowFrom  DateTime64(3, 'UTC'),
    WindowTo    DateTime64(3, 'UTC'),
    CreatedAt   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY CreatedAt
