-- Issue 15: every change of an entity config or ERP connection, kept for listing and restore.
-- `before`/`after` are the rows as JSON with secrets redacted (the ERP password envelope is never copied here).
CREATE TABLE sync_config_history (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('entity_config', 'erp_connection')),
  -- the changed row's id (sync_entity_config.id or sync_erp_connection.id)
  target_id     bigint NOT NULL,
  -- which API key made the change (its public prefix), null for the CLI
  changed_by    text,
  changed_at    timestamptz NOT NULL DEFAULT now(),
  before        jsonb,
  after         jsonb NOT NULL
);
CREATE INDEX sync_config_history_target ON sync_config_history (tenant_id, kind, target_id, id DESC);
