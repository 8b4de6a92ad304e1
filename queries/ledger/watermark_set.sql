-- Moves a schedule's watermark forward to $3 (ms); an older value leaves it ($1 customer, $2 schedule).
-- Returns (at_ms): the watermark after.
INSERT INTO watermarks (customer, schedule, at_ms) VALUES ($1, $2, $3::bigint)
ON CONFLICT (customer, schedule) DO UPDATE SET at_ms = GREATEST(watermarks.at_ms, EXCLUDED.at_ms)
RETURNING at_ms
