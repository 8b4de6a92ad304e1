-- Records one backfill chunk of one feeder as done (after its INSERT completed). Returns nothing.
INSERT INTO {db:Identifier}.source_sync_chunks (Layer, Feeder, FromMs, ToMs)
VALUES ({layer:String}, {feeder:String}, {fromMs:Int64}, {toMs:Int64})
