-- The ledger of applied migrations: one row per file name. Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.schema_migrations
(
    Name       String,
    Checksum   String,
    AppliedAt  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(AppliedAt)
ORDER BY Name
