-- Finished runs that finished (or, without a finish time, were due) before $1. Returns (id), oldest due first.
SELECT id FROM runs
WHERE status IN ('succeeded', 'failed', 'skipped') AND COALESCE(finished_at, due_at) < $1::timestamptz
ORDER BY due_at, id COLLATE "C"
