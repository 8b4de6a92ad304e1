-- The re-sends of a run, oldest first ($1 run id). Returns (record).
SELECT record FROM resends WHERE run_id = $1 ORDER BY n
