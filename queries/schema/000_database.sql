-- Creates the project's database. Returns nothing.
CREATE DATABASE IF NOT EXISTS {db:Identifier}
