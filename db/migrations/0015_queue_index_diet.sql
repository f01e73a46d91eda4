-- Issue 17: the queue's hot paths, index by index.
--
-- Every sync_queue insert, and every status change (never a HOT update: status is indexed), writes
-- one entry per index. The status index no longer takes finished items (COMPLETED / SUPERSEDED: the
-- bulk of the table), which nothing looks up by status. (tenant_id) widens to (tenant_id,
-- entity_type, entity_id): the same cost, and a record's items within a tenant found in one probe.
-- (entity_type, entity_id) stays: seed 000 §1.3 lists it.
DROP INDEX sync_queue_tenant_idx;
CREATE INDEX sync_queue_tenant_entity_idx ON sync_queue (tenant_id, entity_type, entity_id);
-- Alerts and metrics count waiting, failed and dead items by status.
DROP INDEX sync_queue_status_scheduled_idx;
CREATE INDEX sync_queue_open_status_idx ON sync_queue (status, scheduled_at) WHERE status NOT IN ('COMPLETED', 'SUPERSEDED');
-- Every lease first returns its stream's expired leases. With only (lease_expires_at) indexed, the
-- planner took a tenant index instead and read every item of the stream (50 ms at 60 000 items,
-- on every lease); with the stream in the index it reads only expired ones. The worker's global
-- sweep still finds them by time.
DROP INDEX sync_queue_lease_expiry_idx;
CREATE INDEX sync_queue_lease_expiry_idx ON sync_queue (tenant_id, destination, entity_type, lease_expires_at) WHERE status = 'IN_FLIGHT';
