-- Whether a table exists in a database. Returns one row: n, 1 or 0.
SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {table:String}
