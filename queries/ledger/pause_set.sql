-- Pauses a schedule, or with schedule '*' every schedule of the customer ($1 customer, $2 schedule, $3 record).
-- Returns nothing.
INSERT INTO pauses (customer, schedule, record) VALUES ($1, $2, $3::json)
ON CONFLICT (customer, schedule) DO UPDATE SET record = EXCLUDED.record
