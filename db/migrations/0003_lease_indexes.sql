-- Leasing scans only what it can take: PENDING rows in (priority, age) order. Leased rows left the
-- old index's predicate only when settled, so each lease skipped every row still IN_FLIGHT.
DROP INDEX sync_queue_lease_idx;
CREATE INDEX sync_queue_lease_idx ON sync_queue (tenant_id, destination, entity_type, priority DESC, created_at)
  WHERE status = 'PENDING';
-- Expired leases are found by time, not by scanning every leased row of a stream.
CREATE INDEX sync_queue_lease_expiry_idx ON sync_queue (lease_expires_at) WHERE status = 'IN_FLIGHT';
