-- Which of the given destination IPs (L3/4 attack traffic) and hosts (mitigated L7 events) were seen in the
-- window: used on the previous period to tell which of this period's targets are new. Whole hours from the
-- hourly rollups, partial hours at the edges from the *_dims_raw views ({hourFrom}/{hourTo} as in l34_top.sql).
-- Returns (dimension 'ip' | 'host', value) for each value seen.
SELECT DISTINCT Dimension AS dimension, Value AS value
FROM
(
    SELECT Dimension, Value, Hour AS t FROM {db:Identifier}.net_dims_1h
    WHERE AccountID = {account:String} AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Hour >= {hourFrom:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}
      AND Dimension = 'ip' AND Value IN {ips:Array(String)}
    UNION ALL
    SELECT Dimension, Value, Hour FROM {db:Identifier}.l7_dims_1h
    WHERE AccountID = {account:String} AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Hour >= {hourFrom:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}
      AND Dimension = 'host' AND Value IN {hosts:Array(String)}
    UNION ALL
    SELECT Dimension, Value, Datetime FROM {db:Identifier}.net_dims_raw
    WHERE AccountID = {account:String} AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
        OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
      AND Dimension = 'ip' AND Value IN {ips:Array(String)}
    UNION ALL
    SELECT Dimension, Value, Datetime FROM {db:Identifier}.l7_dims_raw
    WHERE AccountID = {account:String} AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
        OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
      AND Dimension = 'host' AND Value IN {hosts:Array(String)}
)
ORDER BY dimension, value
