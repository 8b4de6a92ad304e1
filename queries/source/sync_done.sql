-- The ranges of one layer's sync that overlap [fromMs, toMs), each with whether its INSERT finished and the
-- provider rows it held when read (null: recorded by an earlier version). Returns (Feeder String, FromMs Int64,
-- ToMs Int64, Done UInt8, Rows Nullable(UInt64)).
SELECT Feeder, FromMs, ToMs, max(State = 'done') AS Done, anyIf(Rows, State = 'done') AS Rows
FROM {db:Identifier}.source_sync_chunks
WHERE Layer = {layer:String} AND FromMs < {toMs:Int64} AND ToMs > {fromMs:Int64}
GROUP BY Feeder, FromMs, ToMs
ORDER BY Feeder, FromMs
