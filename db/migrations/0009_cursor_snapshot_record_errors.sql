-- Issue 11 §2–3, issue 18 item 3.
-- snapshot_started_at: a full read is in progress (set when it starts, cleared with the cursor
-- commit when it completes); a run that finds it set reads the whole snapshot again.
-- cursor_sql_type: the SQL type @lastSync is bound with (configured, or kept from the first run).
ALTER TABLE sync_state ADD COLUMN snapshot_started_at timestamptz;
ALTER TABLE sync_state ADD COLUMN cursor_sql_type text;

-- ERP records a transform rule refused: they stay here (visible in /sync/status and the logs)
-- until the record converts again, instead of being forgotten once outside the look-back.
CREATE TABLE sync_record_error (
  tenant_id     text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  entity_type   text NOT NULL,
  erp_type      text NOT NULL,
  entity_id     text NOT NULL,
  message       text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, entity_type, erp_type, entity_id)
);
