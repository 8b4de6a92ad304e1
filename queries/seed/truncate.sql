-- Empties one table before a re-seed when it holds demo data only (see other_accounts.sql). {table} is bound as
-- an Identifier, never spliced. Returns nothing.
TRUNCATE TABLE IF EXISTS {db:Identifier}.{table:Identifier}
