-- Takes a schedule's lease for $4 ms unless another owner holds an unexpired one ($1 customer, $2 schedule,
-- $3 owner). Expiry is judged by the database's clock. Returns (owner) when taken, no row otherwise.
INSERT INTO leases (customer, schedule, owner, expires_at)
VALUES ($1, $2, $3, clock_timestamp() + $4::bigint * interval '1 millisecond')
ON CONFLICT (customer, schedule) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
WHERE leases.expires_at < clock_timestamp()
RETURNING owner
