-- Gives up a lease if $3 still owns it ($1 customer, $2 schedule). Returns nothing.
DELETE FROM leases WHERE customer = $1 AND schedule = $2 AND owner = $3
