-- Removes every row of the given accounts from one table before a re-seed (synchronous mutation).
-- {table} is bound as an Identifier, never spliced. Returns nothing.
ALTER TABLE {db:Identifier}.{table:Identifier} DELETE WHERE AccountID IN {accounts:Array(String)} SETTINGS mutations_sync = 2
