-- The main target of each L7 attack in the window: the host and path with the most events, and their share
-- of the attack's events. Returns (id, host, path, share).
SELECT id, host, path, e / sum(e) OVER (PARTITION BY id) AS share
FROM
(
    SELECT AttackID AS id, ClientRequestHost AS host, ClientRequestPath AS path, sum(toUInt64(SampleInterval)) AS e
    FROM {db:Identifier}.l7_events
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}
      AND AttackID != ''
    GROUP BY id, host, path
)
ORDER BY id, e DESC, host, path
LIMIT 1 BY id
