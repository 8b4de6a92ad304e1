-- Ledger schema version 1: runs, outbox, re-sends, models, watermarks, pauses, audit trail and schedule leases.
-- Returns nothing. A migration is the one place with several statements: they run together, without parameters,
-- inside the transaction that records the migration, so a database has all of them or none.
-- Records are stored as `json`, not `jsonb`: they are read whole, never searched inside, and `jsonb` refuses the
-- escape \u0000, which a report model can carry from hostile telemetry.
CREATE TABLE runs (
  id          text PRIMARY KEY,
  customer    text NOT NULL,
  schedule    text NOT NULL,
  status      text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'skipped')),
  due_at      timestamptz NOT NULL,
  finished_at timestamptz,
  record      json NOT NULL
);
-- The history is read newest first, all of it or by customer or status (runs, the API, the web app).
CREATE INDEX runs_due ON runs (due_at DESC, id DESC);
CREATE INDEX runs_customer_due ON runs (customer, due_at DESC, id DESC);
CREATE INDEX runs_status_due ON runs (status, due_at DESC, id DESC);

-- One row per (run, delivery, recipient); delivery '' is the run's own, else `resend-<n>`.
CREATE TABLE outbox (
  run_id        text NOT NULL,
  delivery      text NOT NULL,
  recipient_key text NOT NULL,
  record        json NOT NULL,
  PRIMARY KEY (run_id, delivery, recipient_key)
);

CREATE TABLE resends (
  run_id text NOT NULL,
  n      integer NOT NULL CHECK (n > 0),
  record json NOT NULL,
  PRIMARY KEY (run_id, n)
);

CREATE TABLE models (
  run_id text PRIMARY KEY,
  model  json NOT NULL
);

CREATE TABLE watermarks (
  customer text NOT NULL,
  schedule text NOT NULL,
  at_ms    bigint NOT NULL,
  PRIMARY KEY (customer, schedule)
);

-- schedule '*' pauses every schedule of the customer.
CREATE TABLE pauses (
  customer text NOT NULL,
  schedule text NOT NULL,
  record   json NOT NULL,
  PRIMARY KEY (customer, schedule)
);

CREATE TABLE audit (
  id       bigserial PRIMARY KEY,
  at       timestamptz NOT NULL,
  customer text,
  run_id   text,
  entry    json NOT NULL
);
CREATE INDEX audit_run ON audit (run_id, at, id);
CREATE INDEX audit_customer ON audit (customer, at, id);

-- A schedule's lease; expires_at is the database's clock, so the hosts' clocks need not agree.
CREATE TABLE leases (
  customer   text NOT NULL,
  schedule   text NOT NULL,
  owner      text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (customer, schedule)
);
