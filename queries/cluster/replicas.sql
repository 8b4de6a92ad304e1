-- The servers of one cluster as this server's <remote_servers> lists them: every one must be given the per-shard
-- tables. Rows: shard (shard_num), replica (replica_num), host (host_name), port (native TCP port).
SELECT shard_num AS shard, replica_num AS replica, host_name AS host, port
FROM system.clusters
WHERE cluster = {cluster:String}
ORDER BY shard, replica
