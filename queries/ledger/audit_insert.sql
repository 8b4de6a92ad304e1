-- Appends one entry to the audit trail ($1 at, $2 customer or null, $3 run id or null, $4 the entry). Returns nothing.
INSERT INTO audit (at, customer, run_id, entry) VALUES ($1::timestamptz, $2, $3, $4::json)
