-- Records one sync range of one feeder as started (before its INSERT) or done (after it, with the provider
-- rows the range held). Returns nothing.
INSERT INTO {db:Identifier}.source_sync_chunks (Layer, Feeder, FromMs, ToMs, State, Rows)
VALUES ({layer:String}, {feeder:String}, {fromMs:Int64}, {toMs:Int64}, {state:String}, {rows:Nullable(UInt64)})
