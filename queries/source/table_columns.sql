-- The column names of a provider's table named in a source definition (to tell which of them an expression reads).
SELECT name
FROM system.columns
WHERE database = {db:String} AND table = {table:String}
