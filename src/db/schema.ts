/**
 * The Kysely `Database` interface: the one TypeScript description of db/migrations.
 *
 * Glossary (the user's words, kept as they use them):
 * - tenant: one customer company (its ERP, its Hub account).
 * - entity_type: PROVEEDOR, SECTOR, PAGO (ERP → Hub), ORDEN_COMPRA, RECEPCION (Hub → ERP), or any configured one.
 * - sync_entity_config: which SQL runs on the ERP for an entity, and how fields map — data, not code.
 * - sync_data: the last known payload of each record, with its hash and version.
 * - sync_queue: the durable record of every item to deliver; pg-boss carries the delivery.
 * - sync_state: the checkpoint (cursor) of each incremental pull.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import { ALERT_KINDS } from '../contract/webhook-events.ts';

export { ALERT_KINDS };

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** JSONB: read as parsed JSON, written as a JSON string or value. */
type Json<T = unknown> = ColumnType<T, T | string, T | string>;
/** JSONB with a column default: optional on insert. */
type JsonWithDefault<T = unknown> = ColumnType<T, T | string | undefined, T | string>;
type NullableJson<T = unknown> = ColumnType<T | null, T | string | null | undefined, T | string | null>;

/** AES-256-GCM envelope stored for secrets at rest (see src/security/secret-box.ts). */
export interface SecretEnvelope {
  /** 1: sealed under the column name only (legacy); 2: under column + tenant + row (see secret-box.ts). */
  v: 1 | 2;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

export const DIRECTIONS = ['IN', 'OUT', 'BOTH'] as const;
export const QUEUE_STATUSES = [
  'PENDING',
  'IN_FLIGHT',
  'PROCESSING',
  'RETRY',
  'COMPLETED',
  'FAILED',
  'DEAD',
  'SUPERSEDED',
  'DISCARDED',
] as const;
export const QUEUE_ACTIONS = ['CREATE', 'UPDATE', 'DELETE', 'UPSERT'] as const;
export const QUEUE_ENDPOINTS = ['ERP', 'HUB', 'PARSE', 'AGENT'] as const;
export const LOG_STATUSES = ['SUCCESS', 'FAILED', 'RETRY', 'DEAD', 'PARTIAL', 'INFO'] as const;
/** `viewer`: the console's read-only operator (every GET an admin may call, never a write). */
export const API_SCOPES = ['hub', 'agent', 'admin', 'viewer'] as const;
export const ENCRYPT_MODES = ['off', 'on', 'strict'] as const;

export type Direction = (typeof DIRECTIONS)[number];
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
export type QueueAction = (typeof QUEUE_ACTIONS)[number];
export type QueueEndpoint = (typeof QUEUE_ENDPOINTS)[number];
export type LogStatus = (typeof LOG_STATUSES)[number];
export type ApiScope = (typeof API_SCOPES)[number];
export type EncryptMode = (typeof ENCRYPT_MODES)[number];

export interface SyncTenantTable {
  id: string;
  name: string;
  timezone: Generated<string>;
  webhook_url: string | null;
  webhook_secret: NullableJson<SecretEnvelope>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SyncApiKeyTable {
  id: Generated<string>;
  tenant_id: string;
  key_hash: string;
  prefix: string;
  scopes: ApiScope[];
  created_at: Generated<Date>;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface SyncErpConnectionTable {
  id: Generated<string>;
  tenant_id: string;
  erp_type: string;
  mode: Generated<'direct' | 'agent'>;
  host: string | null;
  port: number | null;
  instance_name: string | null;
  database: string | null;
  username: string | null;
  password: NullableJson<SecretEnvelope>;
  encrypt: Generated<EncryptMode>;
  trust_server_certificate: Generated<boolean>;
  options: JsonWithDefault<Record<string, unknown>>;
  version: Generated<number>;
  enabled: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SyncEntityConfigTable {
  id: Generated<string>;
  tenant_id: string;
  entity_type: string;
  erp_type: string;
  source_table: string | null;
  primary_key: string | null;
  timestamp_field: string | null;
  queries: JsonWithDefault<Record<string, unknown>>;
  field_mapping: JsonWithDefault<Record<string, unknown>>;
  transform_rules: JsonWithDefault<unknown[]>;
  direction: Direction;
  enabled: Generated<boolean>;
  sync_frequency: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SyncDataTable {
  id: Generated<string>;
  tenant_id: string;
  config_id: string | null;
  entity_type: string;
  erp_type: string;
  entity_id: string;
  payload: Json<Record<string, unknown>>;
  payload_hash: string;
  version: Generated<number>;
  status: Generated<'ACTIVE' | 'PENDING' | 'SYNCED' | 'ERROR' | 'DELETED'>;
  sync_direction: 'IN' | 'OUT';
  external_id: string | null;
  synced_at: NullableTimestamp;
  error_message: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SyncQueueTable {
  id: Generated<string>;
  tenant_id: string;
  source: QueueEndpoint;
  destination: QueueEndpoint;
  entity_type: string;
  entity_id: string;
  action: QueueAction;
  payload: JsonWithDefault<unknown>;
  data_id: string | null;
  data_version: number | null;
  status: Generated<QueueStatus>;
  priority: Generated<number>;
  retry_count: Generated<number>;
  max_retries: Generated<number>;
  idempotency_key: string | null;
  job_id: string | null;
  lease_expires_at: NullableTimestamp;
  external_id: string | null;
  response: NullableJson;
  error_message: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  scheduled_at: Generated<Date>;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

export interface SyncLogTable {
  id: Generated<string>;
  tenant_id: string;
  sync_queue_id: string | null;
  entity_type: string | null;
  entity_id: string | null;
  action: string;
  direction: 'IN' | 'OUT';
  status: LogStatus;
  message: string | null;
  request_payload: NullableJson;
  response_data: NullableJson;
  duration_ms: number | null;
  phase: 'pre_process' | 'process' | 'post_process' | null;
  executed_on: 'erp' | 'hub' | 'origen' | 'destino' | null;
  rows_affected: number | null;
  error_detail: string | null;
  metadata: NullableJson;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface SyncStateTable {
  id: Generated<string>;
  tenant_id: string;
  entity_type: string;
  erp_type: string;
  direction: 'IN' | 'OUT';
  last_sync_at: NullableTimestamp;
  last_entity_id: string | null;
  /** Cursor value at full precision (datetime2(7) needs 100 ns), as text. */
  last_timestamp: string | null;
  total_synced: Generated<string>;
  last_batch_size: Generated<number>;
  last_error: string | null;
  /** Set while a full read is in progress: the cursor is committed only when the snapshot completes. */
  snapshot_started_at: NullableTimestamp;
  /** SQL type `@lastSync` is bound with (`datetime` vs `datetime2` compare differently on SQL Server 2016+). */
  cursor_sql_type: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** Seed 001's read model of sync_data (view, migration 0006): every tenant's rows; readers filter by tenantId themselves. */
export interface ParametrosMaestrosView {
  id: string;
  tenantId: string;
  tipo_campo: string;
  codigo: string;
  nombre: string | null;
  parametros_json: unknown;
  activo: boolean;
  updatedAt: Date;
}

/** An ERP record a transform rule refused, kept until it converts again. */
export interface SyncRecordErrorTable {
  tenant_id: string;
  entity_type: string;
  erp_type: string;
  entity_id: string;
  message: string;
  first_seen_at: Generated<Date>;
  last_seen_at: Generated<Date>;
}

/** Issue 15: one change of an entity config or ERP connection (secrets redacted). */
export interface SyncConfigHistoryTable {
  id: Generated<string>;
  tenant_id: string;
  kind: 'entity_config' | 'erp_connection';
  target_id: string;
  changed_by: string | null;
  changed_at: Generated<Date>;
  before: NullableJson<Record<string, unknown>>;
  after: Json<Record<string, unknown>>;
}

/** Issue 15: one row per running worker process, refreshed every WORKER_HEARTBEAT_SECONDS. */
export interface SyncWorkerHeartbeatTable {
  worker_id: string;
  hostname: string;
  pid: number;
  started_at: Date;
  beat_at: Generated<Date>;
}

/** Issue 15 §3: an alert, open until resolved_at is set. */
export interface SyncAlertTable {
  id: Generated<string>;
  tenant_id: string;
  kind: AlertKind;
  entity_type: Generated<string>;
  detail: string;
  raised_at: Generated<Date>;
  resolved_at: NullableTimestamp;
}
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Issue 15 §3: per-tenant alert thresholds (NULL → default). `late_factor` is numeric, read as a string. */
export interface SyncAlertThresholdTable {
  tenant_id: string;
  pull_failures: number | null;
  late_factor: string | null;
  queue_age_seconds: number | null;
  queue_size: number | null;
  agent_silence_seconds: number | null;
}

/** Issue 15 §4: a console session; only the token's SHA-256 is stored. */
export interface SyncConsoleSessionTable {
  token_hash: string;
  key_id: string;
  tenant_id: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Date;
}

/** Issue 15 §4: what a site agent (one agent key) last did. */
export interface SyncAgentActivityTable {
  tenant_id: string;
  key_id: string;
  last_seen_at: Generated<Date>;
  version: string | null;
  last_upload_at: NullableTimestamp;
  last_download_at: NullableTimestamp;
}

export interface Database {
  sync_console_session: SyncConsoleSessionTable;
  sync_agent_activity: SyncAgentActivityTable;
  parametros_maestros: ParametrosMaestrosView;
  sync_alert: SyncAlertTable;
  sync_alert_threshold: SyncAlertThresholdTable;
  sync_worker_heartbeat: SyncWorkerHeartbeatTable;
  sync_config_history: SyncConfigHistoryTable;
  sync_tenant: SyncTenantTable;
  sync_api_key: SyncApiKeyTable;
  sync_erp_connection: SyncErpConnectionTable;
  sync_entity_config: SyncEntityConfigTable;
  sync_data: SyncDataTable;
  sync_queue: SyncQueueTable;
  sync_log: SyncLogTable;
  sync_state: SyncStateTable;
  sync_record_error: SyncRecordErrorTable;
}

export type Tenant = Selectable<SyncTenantTable>;
export type ApiKeyRow = Selectable<SyncApiKeyTable>;
export type ErpConnectionRow = Selectable<SyncErpConnectionTable>;
export type EntityConfigRow = Selectable<SyncEntityConfigTable>;
export type NewEntityConfig = Insertable<SyncEntityConfigTable>;
export type EntityConfigUpdate = Updateable<SyncEntityConfigTable>;
export type SyncDataRow = Selectable<SyncDataTable>;
export type QueueRow = Selectable<SyncQueueTable>;
export type NewQueueRow = Insertable<SyncQueueTable>;
export type LogRow = Selectable<SyncLogTable>;
export type NewLogRow = Insertable<SyncLogTable>;
export type StateRow = Selectable<SyncStateTable>;
export type AlertRow = Selectable<SyncAlertTable>;
