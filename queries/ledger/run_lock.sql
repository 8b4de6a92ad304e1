-- One run, locked until the end of the transaction so no other update interleaves ($1 id). Returns (record) or no row.
SELECT record FROM runs WHERE id = $1 FOR UPDATE
