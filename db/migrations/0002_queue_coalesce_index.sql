-- Coalescing looks up waiting items of one record on every enqueue: index exactly those.
CREATE INDEX sync_queue_waiting_record_idx ON sync_queue (tenant_id, destination, entity_type, entity_id)
  WHERE status IN ('PENDING', 'RETRY');
