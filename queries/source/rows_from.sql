-- How many rows of an attached source's raw view (net_samples or l7_events, projected from the provider's
-- table) have a time at or after a given instant. Returns one row: n.
SELECT count() AS n FROM {db:Identifier}.{raw:Identifier} WHERE Datetime >= {from:DateTime64(3)}
