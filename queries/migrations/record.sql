-- Records one applied migration. Returns nothing.
INSERT INTO {db:Identifier}.schema_migrations (Name, Checksum) VALUES ({name:String}, {checksum:String})
