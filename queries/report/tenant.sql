-- Display names of an account and its zones from the tenant directory. Returns (zoneId, accountName, zoneName);
-- zoneId '' is the account itself. No row when the account is unknown.
SELECT ZoneID AS zoneId, argMax(AccountName, UpdatedAt) AS accountName, argMax(ZoneName, UpdatedAt) AS zoneName
FROM {db:Identifier}.tenants
WHERE AccountID = {account:String}
GROUP BY zoneId
ORDER BY zoneId
