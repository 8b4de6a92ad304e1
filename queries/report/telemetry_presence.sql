-- Whether a tenant has any telemetry at all, at any time (not only in a window): the zone ids (ZoneID '' =
-- account-level L3/4 traffic) with at least one row in either minute rollup, among {zones} when it is not
-- empty. At most {limit} rows: 1 tells "never seen" from "quiet window" for the account, the number of
-- requested zones tells it for each of them. Returns (zoneId).
SELECT DISTINCT zoneId
FROM
(
    SELECT toString(ZoneID) AS zoneId
    FROM {db:Identifier}.net_1m
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
    UNION ALL
    SELECT toString(ZoneID) AS zoneId
    FROM {db:Identifier}.l7_1m
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
)
LIMIT {limit:UInt32}
