-- The one definition of a net_dims_1h row: L3/4 attack traffic (rows with an attack vector) turned into one row
-- per dimension (destination IP; destination port, labelled with the protocol; ingesting colo, labelled with its
-- country; source ASN, labelled with its name), unaggregated. The backfill and the reports' partial-hour edges
-- read it; filters on AccountID, ZoneID and Datetime reach net_samples' primary key through the view. (The
-- materialized views 026_* build the same rows, grouped on native columns for insert speed.) Returns nothing.
CREATE VIEW IF NOT EXISTS {db:Identifier}.net_dims_raw AS
SELECT
    AccountID, ZoneID, Datetime, AttackID,
    d.1 AS Dimension, d.2 AS Value, d.3 AS Label,
    Packets, Bytes
FROM {db:Identifier}.net_samples
ARRAY JOIN [
    ('ip',   IPv6NumToString(IPDestinationAddress), ''),
    ('port', toString(DestinationPort),             toString(IPProtocolName)),
    ('colo', toString(ColoCode),                    toString(ColoCountry)),
    ('asn',  toString(SourceASN),                   toString(SourceASNName))
] AS d
WHERE AttackVector != ''
