-- Whether any account other than the demo ones has telemetry: when none has, a re-seed may empty the tables
-- outright instead of deleting row by row. Returns one row (rows UInt64).
SELECT
    (SELECT count() FROM {db:Identifier}.net_samples WHERE AccountID NOT IN {accounts:Array(String)})
  + (SELECT count() FROM {db:Identifier}.l7_events WHERE AccountID NOT IN {accounts:Array(String)}) AS rows
