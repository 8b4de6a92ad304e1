-- How many rows of an attached source's raw view (projected from the provider's table) fall in [from, to):
-- what a sync step read, recorded with it so that rows arriving later in that range can be found. Returns one
-- row: n.
SELECT count() AS n
FROM {db:Identifier}.{raw:Identifier}
WHERE Datetime >= {syncFrom:DateTime64(3)} AND Datetime < {syncTo:DateTime64(3)}
