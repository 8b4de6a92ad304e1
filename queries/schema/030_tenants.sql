-- Tenant directory: display names for accounts and zones (the demo seeds it; real deployments fill it from
-- config). Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.tenants
(
    AccountID    String,
    AccountName  String,
    ZoneID       String DEFAULT '',
    ZoneName     String DEFAULT '',
    UpdatedAt    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(UpdatedAt)
ORDER BY (AccountID, ZoneID)
