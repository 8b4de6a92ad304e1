-- One run ($1 id). Returns (record) or no row.
SELECT record FROM runs WHERE id = $1
