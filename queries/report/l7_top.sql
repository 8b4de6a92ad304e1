-- The 10 largest values per dimension (host, path, country, asn labelled with its name, ip) over mitigated L7
-- events in the window, exact: whole hours from the hourly rollup l7_dims_1h, the partial hours at the window's
-- edges from the l7_dims_raw view ({hourFrom}/{hourTo} as in l34_top.sql). Returns (dimension, value, label, events).
SELECT Dimension AS dimension, Value AS value, Label AS label, sum(Events) AS events
FROM
(
    SELECT Dimension, Value, Label, Events
    FROM {db:Identifier}.l7_dims_1h
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Hour >= {hourFrom:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}
    UNION ALL
    SELECT Dimension, Value, Label, Events
    FROM {db:Identifier}.l7_dims_raw
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
        OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
)
GROUP BY Dimension, Value, Label
ORDER BY dimension, events DESC, value, label
LIMIT 10 BY dimension
