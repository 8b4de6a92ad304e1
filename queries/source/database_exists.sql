-- Whether a source's database exists (the source is attached). Returns one row: n, 1 or 0.
SELECT count() AS n FROM system.databases WHERE name = {name:String}
