-- The pause that holds a schedule: its own, else its customer's '*' ($1 customer, $2 schedule). Returns (record) or no row.
SELECT record FROM pauses WHERE customer = $1 AND schedule IN ($2, '*')
ORDER BY schedule = '*'
LIMIT 1
