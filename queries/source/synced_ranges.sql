-- The finished sync ranges of one layer of an attached source that overlap [fromMs, toMs), per feeder: what
-- its rollups hold from the provider's table. Returns (Feeder String, FromMs Int64, ToMs Int64).
SELECT Feeder, FromMs, ToMs
FROM {db:Identifier}.source_sync_chunks
WHERE Layer = {layer:String} AND FromMs < {toMs:Int64} AND ToMs > {fromMs:Int64}
GROUP BY Feeder, FromMs, ToMs
HAVING max(State = 'done') = 1
