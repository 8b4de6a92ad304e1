-- A schedule's watermark ($1 customer, $2 schedule). Returns (at_ms) or no row.
SELECT at_ms FROM watermarks WHERE customer = $1 AND schedule = $2
