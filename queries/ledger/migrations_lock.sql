-- Serialises migrations between processes until the end of the transaction ($1: the lock key). Returns one row.
SELECT pg_advisory_xact_lock($1::bigint)
