-- The outbox records of one delivery of a run ($1 run id, $2 delivery: '' for the run's own). Returns (record).
SELECT record FROM outbox WHERE run_id = $1 AND delivery = $2 ORDER BY recipient_key
