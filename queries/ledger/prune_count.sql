-- What pruning one run would remove ($1 run id), if it is still finished. Returns (outbox, resends, models) or no row.
SELECT (SELECT count(*) FROM outbox WHERE run_id = r.id) AS outbox,
       (SELECT count(*) FROM resends WHERE run_id = r.id) AS resends,
       (SELECT count(*) FROM models WHERE run_id = r.id) AS models
FROM runs AS r
WHERE r.id = $1 AND r.status IN ('succeeded', 'failed', 'skipped')
