-- The applied ledger migrations, oldest first. Returns (version, name, checksum).
SELECT version, name, checksum FROM ledger_migrations ORDER BY version
