-- Records where a layer's materialized views start counting (see feeds.sql). Returns nothing.
INSERT INTO {db:Identifier}.source_feeds (Layer, FeedFromMs) VALUES ({layer:String}, {feedFromMs:Int64})
