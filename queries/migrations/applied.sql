-- Names and checksums of the migrations already applied. Returns (Name String, Checksum String).
SELECT Name, argMax(Checksum, AppliedAt) AS Checksum
FROM {db:Identifier}.schema_migrations
GROUP BY Name
