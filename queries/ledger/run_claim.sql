-- Creates a run unless one with its id exists ($1 id, $2 customer, $3 schedule, $4 status, $5 due at, $6 finished
-- at or null, $7 the record). Returns one row (id) when it was created, none when it was claimed before.
INSERT INTO runs (id, customer, schedule, status, due_at, finished_at, record)
VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7::json)
ON CONFLICT (id) DO NOTHING
RETURNING id
