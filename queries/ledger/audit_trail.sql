-- The newest $3 entries (null for all) of the audit trail, optionally of one run ($1) or customer ($2), returned
-- oldest first. Returns (entry).
SELECT entry FROM (
  SELECT id, at, entry FROM audit
  WHERE ($1::text IS NULL OR run_id = $1) AND ($2::text IS NULL OR customer = $2)
  ORDER BY at DESC, id DESC
  LIMIT $3::bigint
) AS newest
ORDER BY at, id
