-- Every run, oldest due first then by id, optionally of one customer ($1) and status ($2). Returns (record).
SELECT record FROM runs
WHERE ($1::text IS NULL OR customer = $1) AND ($2::text IS NULL OR status = $2)
ORDER BY due_at, id COLLATE "C"
