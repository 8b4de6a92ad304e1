-- On a cluster: how many inserted blocks every server of the cluster has dropped as repeats since it started.
-- An INSERT through a Distributed table is deduplicated by the shards that store its rows, each counting in its
-- own system.events, so the initiator's count alone would miss the repeats other shards recognised. One row: n.
SELECT toString(sum(value)) AS n
FROM clusterAllReplicas({cluster:String}, system.events)
WHERE event = 'DuplicatedInsertedBlocks'
