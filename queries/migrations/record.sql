-- Records one applied migration. Returns nothing. INSERT … SELECT rather than VALUES: the embedded engine takes
-- data waiting on its standard input as the input of an INSERT that carries its own rows, and refuses both.
INSERT INTO {db:Identifier}.schema_migrations (Name, Checksum) SELECT {name:String}, {checksum:String}
