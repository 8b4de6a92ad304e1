-- Extends a lease by $4 ms if $3 still owns it ($1 customer, $2 schedule). Returns one row when renewed.
UPDATE leases SET expires_at = clock_timestamp() + $4::bigint * interval '1 millisecond'
WHERE customer = $1 AND schedule = $2 AND owner = $3
RETURNING owner
