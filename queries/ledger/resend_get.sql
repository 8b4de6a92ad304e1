-- One re-send of a run ($1 run id, $2 its number). Returns (record) or no row.
SELECT record FROM resends WHERE run_id = $1 AND n = $2
