-- How many inserted blocks the server (or the embedded engine) has dropped as repeats of earlier ones since it
-- started: read before and after an INSERT, a rise says the INSERT's rows were already loaded. One row: n.
SELECT toString(sum(value)) AS n
FROM system.events
WHERE event = 'DuplicatedInsertedBlocks'
