-- The record of applied ledger migrations, created when missing. Returns nothing.
CREATE TABLE IF NOT EXISTS ledger_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)
