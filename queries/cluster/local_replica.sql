-- Which server of the cluster answers: the entries of system.clusters that are this server itself. Exactly one
-- row on a server of the cluster. Rows: shard (shard_num), replica (replica_num).
SELECT shard_num AS shard, replica_num AS replica
FROM system.clusters
WHERE cluster = {cluster:String} AND is_local
