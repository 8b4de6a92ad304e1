-- One page of the run history, newest first, and how many runs matched in all, read in one snapshot.
-- $1 customer, $2 customers (text[]), $3 status, $4 schedule, $5 due at or after (each null for any),
-- $6 limit (null for all), $7 offset. Returns one row (total, runs: a JSON array of records).
WITH matching AS (
  SELECT due_at, id, record FROM runs
  WHERE ($1::text IS NULL OR customer = $1)
    AND ($2::text[] IS NULL OR customer = ANY ($2::text[]))
    AND ($3::text IS NULL OR status = $3)
    AND ($4::text IS NULL OR schedule = $4)
    AND ($5::timestamptz IS NULL OR due_at >= $5::timestamptz)
), page AS (
  SELECT due_at, id, record FROM matching
  ORDER BY due_at DESC, id COLLATE "C" DESC
  LIMIT $6::bigint OFFSET $7::bigint
)
SELECT (SELECT count(*) FROM matching) AS total,
       COALESCE((SELECT json_agg(record ORDER BY due_at DESC, id COLLATE "C" DESC) FROM page), '[]'::json) AS runs
