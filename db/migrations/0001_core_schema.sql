-- parse-sync core schema (seed 000 §FASE 1 + SPEC §2).
-- Forward-only. Enumerations are CHECK constraints so psql users see readable values.

CREATE TABLE sync_tenant (
  id              text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
  name            text NOT NULL,
  timezone        text NOT NULL DEFAULT 'UTC',
  webhook_url     text,
  -- AES-256-GCM envelope {v, kid, iv, tag, ct}; never the raw secret
  webhook_secret  jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sync_api_key (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  key_hash      text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  prefix        text NOT NULL UNIQUE,
  scopes        text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['hub','agent','admin']::text[]),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX sync_api_key_tenant_idx ON sync_api_key (tenant_id);

CREATE TABLE sync_erp_connection (
  id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id                 text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  erp_type                  text NOT NULL,
  mode                      text NOT NULL DEFAULT 'direct' CHECK (mode IN ('direct','agent')),
  host                      text,
  port                      integer CHECK (port BETWEEN 1 AND 65535),
  instance_name             text,
  database                  text,
  username                  text,
  -- AES-256-GCM envelope {v, kid, iv, tag, ct}; never the raw password
  password                  jsonb,
  encrypt                   text NOT NULL DEFAULT 'on' CHECK (encrypt IN ('off','on','strict')),
  trust_server_certificate  boolean NOT NULL DEFAULT false,
  options                   jsonb NOT NULL DEFAULT '{}'::jsonb,
  version                   integer NOT NULL DEFAULT 1,
  enabled                   boolean NOT NULL DEFAULT true,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, erp_type)
);

-- 1.1 Schema registry: which SQL runs on the ERP is data.
CREATE TABLE sync_entity_config (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  entity_type      text NOT NULL CHECK (entity_type ~ '^[A-Za-z][A-Za-z0-9_]{0,62}$'),
  erp_type         text NOT NULL,
  source_table     text,
  primary_key      text,
  timestamp_field  text,
  queries          jsonb NOT NULL DEFAULT '{}'::jsonb,
  field_mapping    jsonb NOT NULL DEFAULT '{}'::jsonb,
  transform_rules  jsonb NOT NULL DEFAULT '[]'::jsonb,
  direction        text NOT NULL CHECK (direction IN ('IN','OUT','BOTH')),
  enabled          boolean NOT NULL DEFAULT true,
  sync_frequency   text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, entity_type, erp_type)
);

-- 1.2 Generic JSONB payload store, one row per ERP/Hub record.
CREATE TABLE sync_data (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id       text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  config_id       bigint REFERENCES sync_entity_config(id) ON DELETE SET NULL,
  entity_type     text NOT NULL,
  erp_type        text NOT NULL,
  entity_id       text NOT NULL,
  payload         jsonb NOT NULL,
  payload_hash    text NOT NULL CHECK (payload_hash ~ '^[0-9a-f]{64}$'),
  version         integer NOT NULL DEFAULT 1,
  status          text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE','PENDING','SYNCED','ERROR','DELETED')),
  sync_direction  text NOT NULL CHECK (sync_direction IN ('IN','OUT')),
  external_id     text,
  synced_at       timestamptz,
  error_message   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, entity_type, erp_type, entity_id)
);
CREATE INDEX sync_data_tenant_entity_status_idx ON sync_data (tenant_id, entity_type, status);
CREATE INDEX sync_data_entity_idx ON sync_data (entity_type, entity_id);
CREATE INDEX sync_data_codprov_idx ON sync_data ((payload->>'CodProv'));

-- 1.3 Durable queue record; pg-boss does the delivery (see docs/queue.md).
CREATE TABLE sync_queue (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id         text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  source            text NOT NULL CHECK (source IN ('ERP','HUB','PARSE','AGENT')),
  destination       text NOT NULL CHECK (destination IN ('ERP','HUB','PARSE','AGENT')),
  entity_type       text NOT NULL,
  entity_id         text NOT NULL,
  action            text NOT NULL CHECK (action IN ('CREATE','UPDATE','DELETE','UPSERT')),
  payload           jsonb NOT NULL DEFAULT '{}'::jsonb,
  data_id           bigint REFERENCES sync_data(id) ON DELETE SET NULL,
  data_version      integer,
  status            text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING','IN_FLIGHT','PROCESSING','RETRY','COMPLETED','FAILED','DEAD','SUPERSEDED')),
  priority          integer NOT NULL DEFAULT 0,
  retry_count       integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
  max_retries       integer NOT NULL DEFAULT 5 CHECK (max_retries >= 0),
  idempotency_key   text,
  job_id            uuid,
  lease_expires_at  timestamptz,
  external_id       text,
  response          jsonb,
  error_message     text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  scheduled_at      timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  completed_at      timestamptz
);
CREATE INDEX sync_queue_status_scheduled_idx ON sync_queue (status, scheduled_at);
CREATE INDEX sync_queue_entity_idx ON sync_queue (entity_type, entity_id);
CREATE INDEX sync_queue_tenant_idx ON sync_queue (tenant_id);
CREATE UNIQUE INDEX sync_queue_idempotency_idx ON sync_queue (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Pull consumers lease by priority then age; only live rows are indexed.
CREATE INDEX sync_queue_lease_idx ON sync_queue (tenant_id, destination, entity_type, priority DESC, created_at)
  WHERE status IN ('PENDING','IN_FLIGHT');

-- 1.4 Audit trail. Append-only and keyed by (created_at, id) so it can be partitioned and pruned by time.
CREATE TABLE sync_log (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  sync_queue_id    uuid REFERENCES sync_queue(id) ON DELETE SET NULL,
  entity_type      text,
  entity_id        text,
  action           text NOT NULL,
  direction        text NOT NULL CHECK (direction IN ('IN','OUT')),
  status           text NOT NULL CHECK (status IN ('SUCCESS','FAILED','RETRY','DEAD','PARTIAL','INFO')),
  message          text,
  request_payload  jsonb,
  response_data    jsonb,
  duration_ms      integer,
  -- seed 001 ETL phases: pre_process | process | post_process, executed on erp | hub
  phase            text CHECK (phase IN ('pre_process','process','post_process')),
  executed_on      text CHECK (executed_on IN ('erp','hub','origen','destino')),
  rows_affected    integer,
  error_detail     text,
  metadata         jsonb,
  started_at       timestamptz,
  completed_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_log_tenant_created_idx ON sync_log (tenant_id, created_at DESC, id DESC);
CREATE INDEX sync_log_entity_idx ON sync_log (tenant_id, entity_type, entity_id);
CREATE INDEX sync_log_queue_idx ON sync_log (sync_queue_id);

-- 1.5 Checkpoint per (tenant, entity, erp, direction). last_timestamp is text: datetime2(7) needs 100 ns.
CREATE TABLE sync_state (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES sync_tenant(id) ON DELETE CASCADE,
  entity_type      text NOT NULL,
  erp_type         text NOT NULL,
  direction        text NOT NULL CHECK (direction IN ('IN','OUT')),
  last_sync_at     timestamptz,
  last_entity_id   text,
  last_timestamp   text,
  total_synced     bigint NOT NULL DEFAULT 0,
  last_batch_size  integer NOT NULL DEFAULT 0,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, entity_type, erp_type, direction)
);
