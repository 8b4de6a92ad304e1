-- Records a run's next re-send, numbered one past the highest ($1 run id, $2 at, $3 by, $4 recipients as JSON).
-- Returns (n) when recorded; no row when another process took that number at the same moment (the caller retries).
INSERT INTO resends (run_id, n, record)
SELECT $1, next.n, json_build_object('runId', $1::text, 'id', 'resend-' || next.n, 'at', $2::text, 'by', $3::text, 'recipients', $4::json)
FROM (SELECT COALESCE(max(n), 0) + 1 AS n FROM resends WHERE run_id = $1) AS next
ON CONFLICT (run_id, n) DO NOTHING
RETURNING n
