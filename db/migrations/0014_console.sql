-- Issue 15 §4: the web console.
-- A read-only `viewer` scope: sees every operator page of its tenant, changes nothing.
ALTER TABLE sync_api_key DROP CONSTRAINT sync_api_key_scopes_check;
ALTER TABLE sync_api_key ADD CONSTRAINT sync_api_key_scopes_check
  CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['hub','agent','admin','viewer']::text[]);

-- An operator discarding a DEAD/FAILED item: terminal, never retried by the worker.
ALTER TABLE sync_queue DROP CONSTRAINT sync_queue_status_check;
ALTER TABLE sync_queue ADD CONSTRAINT sync_queue_status_check
  CHECK (status IN ('PENDING','IN_FLIGHT','PROCESSING','RETRY','COMPLETED','FAILED','DEAD','SUPERSEDED','DISCARDED'));

-- Console sessions: only the token's SHA-256 is stored. Deleting or revoking the key ends them
-- (the lookup joins a live key; the cascade removes rows of deleted keys).
CREATE TABLE sync_console_session (
  token_hash    text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  key_id        bigint NOT NULL REFERENCES sync_api_key(id) ON DELETE CASCADE,
  tenant_id     text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX sync_console_session_key_idx ON sync_console_session (key_id);
CREATE INDEX sync_console_session_expires_idx ON sync_console_session (expires_at);

-- What the site agent last did, recorded by the server when an agent key calls the agent routes.
CREATE TABLE sync_agent_activity (
  tenant_id         text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  key_id            bigint NOT NULL REFERENCES sync_api_key(id) ON DELETE CASCADE,
  last_seen_at      timestamptz NOT NULL DEFAULT now(),
  version           text,
  last_upload_at    timestamptz,
  last_download_at  timestamptz,
  PRIMARY KEY (tenant_id, key_id)
);
