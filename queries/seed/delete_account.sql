-- Removes every row of the given accounts from one table before a re-seed. A lightweight delete: rows vanish
-- from queries at once and are purged by later merges, far cheaper than a synchronous mutation.
-- {table} is bound as an Identifier, never spliced. Returns nothing.
DELETE FROM {db:Identifier}.{table:Identifier} WHERE AccountID IN {accounts:Array(String)}
