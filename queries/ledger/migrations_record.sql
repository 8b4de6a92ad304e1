-- Records one applied migration ($1 version, $2 name, $3 checksum). Returns nothing.
INSERT INTO ledger_migrations (version, name, checksum) VALUES ($1, $2, $3)
