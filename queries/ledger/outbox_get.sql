-- The outbox record of one recipient ($1 run id, $2 delivery, $3 recipient key). Returns (record) or no row.
SELECT record FROM outbox WHERE run_id = $1 AND delivery = $2 AND recipient_key = $3
