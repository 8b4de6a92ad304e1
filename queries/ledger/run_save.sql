-- Replaces a run's record and the columns read from it ($1 id, $2 customer, $3 schedule, $4 status, $5 due at,
-- $6 finished at or null, $7 the record). Returns nothing.
UPDATE runs SET customer = $2, schedule = $3, status = $4, due_at = $5::timestamptz, finished_at = $6::timestamptz, record = $7::json
WHERE id = $1
