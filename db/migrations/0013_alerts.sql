-- Issue 15 §3: alerts evaluated by the worker. One open row per (tenant, kind, entity): the partial
-- unique index makes "raised once" hold even with several workers; resolving stamps resolved_at once.
CREATE TABLE sync_alert (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('pull_failing', 'entity_late', 'dead_items', 'queue_old', 'queue_large', 'agent_silent')),
  -- '' for tenant-wide alerts (queue, agent)
  entity_type  text NOT NULL DEFAULT '',
  detail       text NOT NULL,
  raised_at    timestamptz NOT NULL DEFAULT now(),
  resolved_at  timestamptz
);
CREATE UNIQUE INDEX sync_alert_open ON sync_alert (tenant_id, kind, entity_type) WHERE resolved_at IS NULL;
CREATE INDEX sync_alert_recent ON sync_alert (tenant_id, raised_at DESC);

-- Per-tenant thresholds; a NULL column (or no row) takes the default in src/alerts/thresholds.ts.
CREATE TABLE sync_alert_threshold (
  tenant_id               text PRIMARY KEY REFERENCES sync_tenant(id) ON DELETE CASCADE,
  pull_failures           integer CHECK (pull_failures >= 1),
  late_factor             numeric CHECK (late_factor > 0),
  queue_age_seconds       integer CHECK (queue_age_seconds >= 1),
  queue_size              integer CHECK (queue_size >= 1),
  agent_silence_seconds   integer CHECK (agent_silence_seconds >= 1)
);
