-- The report model stored with a run ($1 run id). Returns (model) or no row.
SELECT model FROM models WHERE run_id = $1
