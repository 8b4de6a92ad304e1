-- Top-10 lists over mitigated L7 events (any action other than log/allow/skip) in the window, exact: hosts,
-- paths, client countries, client ASNs and client IPs. Returns (dimension, value, label, events).
WITH mitigated AS
(
    SELECT ClientRequestHost, ClientRequestPath, ClientCountry, ClientASN, ClientASNDescription, ClientIP, SampleInterval
    FROM {db:Identifier}.l7_events
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}
      AND Action NOT IN ('log', 'allow', 'skip', '')
)
SELECT * FROM
(
    SELECT 'host' AS dimension, toString(ClientRequestHost) AS value, '' AS label, sum(toUInt64(SampleInterval)) AS events
    FROM mitigated GROUP BY value ORDER BY events DESC, value LIMIT 10
    UNION ALL
    SELECT 'path', ClientRequestPath AS value, '', sum(toUInt64(SampleInterval)) AS events
    FROM mitigated GROUP BY value ORDER BY events DESC, value LIMIT 10
    UNION ALL
    SELECT 'country', toString(ClientCountry) AS value, '', sum(toUInt64(SampleInterval)) AS events
    FROM mitigated GROUP BY value ORDER BY events DESC, value LIMIT 10
    UNION ALL
    SELECT 'asn', toString(ClientASN) AS value, any(toString(ClientASNDescription)), sum(toUInt64(SampleInterval)) AS events
    FROM mitigated GROUP BY value ORDER BY events DESC, value LIMIT 10
    UNION ALL
    SELECT 'ip', IPv6NumToString(ClientIP) AS value, '', sum(toUInt64(SampleInterval)) AS events
    FROM mitigated GROUP BY value ORDER BY events DESC, value LIMIT 10
)
ORDER BY dimension, events DESC, value
