-- The chunks of one layer's backfill already done that overlap [fromMs, toMs). Returns (Feeder String,
-- FromMs Int64, ToMs Int64).
SELECT DISTINCT Feeder, FromMs, ToMs
FROM {db:Identifier}.source_sync_chunks
WHERE Layer = {layer:String} AND FromMs < {toMs:Int64} AND ToMs > {fromMs:Int64}
