-- Every watermark. Returns (customer, schedule, at_ms).
SELECT customer, schedule, at_ms FROM watermarks ORDER BY customer, schedule
