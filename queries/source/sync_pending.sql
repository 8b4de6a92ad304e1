-- The sync ranges of a source started and never finished (a crash between the INSERT and its `done` row, or
-- before the INSERT): a resumed sync repeats each with the same bounds first. Returns (Layer String, Feeder
-- String, FromMs Int64, ToMs Int64).
SELECT Layer, Feeder, FromMs, ToMs
FROM {db:Identifier}.source_sync_chunks
GROUP BY Layer, Feeder, FromMs, ToMs
HAVING max(State = 'done') = 0
ORDER BY Layer, FromMs, Feeder
