-- Lifts one pause ($1 customer, $2 schedule or '*'). Returns one row when there was one.
DELETE FROM pauses WHERE customer = $1 AND schedule = $2 RETURNING schedule
