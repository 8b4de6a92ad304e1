-- The sorting key of a provider's table named in a source definition; no row when the table does not exist.
SELECT sorting_key
FROM system.tables
WHERE database = {db:String} AND name = {table:String}
