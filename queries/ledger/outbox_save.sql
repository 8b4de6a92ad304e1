-- Writes the outbox record of one recipient ($1 run id, $2 delivery, $3 recipient key, $4 record). Returns nothing.
INSERT INTO outbox (run_id, delivery, recipient_key, record) VALUES ($1, $2, $3, $4::json)
ON CONFLICT (run_id, delivery, recipient_key) DO UPDATE SET record = EXCLUDED.record
