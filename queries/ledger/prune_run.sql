-- Removes one run with its outbox, re-sends and model, in one statement, only if it is still finished ($1 run id):
-- a retry that took it up meanwhile keeps it whole. Returns (removed, outbox, resends, models).
WITH run AS (
  DELETE FROM runs WHERE id = $1 AND status IN ('succeeded', 'failed', 'skipped') RETURNING id
), o AS (
  DELETE FROM outbox WHERE run_id IN (SELECT id FROM run) RETURNING 1
), r AS (
  DELETE FROM resends WHERE run_id IN (SELECT id FROM run) RETURNING 1
), m AS (
  DELETE FROM models WHERE run_id IN (SELECT id FROM run) RETURNING 1
)
SELECT (SELECT count(*) FROM run) AS removed, (SELECT count(*) FROM o) AS outbox,
       (SELECT count(*) FROM r) AS resends, (SELECT count(*) FROM m) AS models
