-- Stores (or replaces) a run's report model ($1 run id, $2 the model as JSON). Returns nothing.
INSERT INTO models (run_id, model) VALUES ($1, $2::json)
ON CONFLICT (run_id) DO UPDATE SET model = EXCLUDED.model
