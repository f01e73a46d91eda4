-- sync_queue ↔ pg-boss consistency. Returns ZERO rows exactly when they agree:
--   every push item waiting or running (PENDING, RETRY, PROCESSING; destination other than HUB)
--   has exactly one live pg-boss job (created, retry or active) whose id is sync_queue.job_id, and
--   no live push job lacks the row it names (or names a row that moved on to another job).
-- HUB items are pulled through leases and have no job (docs/queue.md).
-- psql "$(make -s db-url)" -f sql/reports/queue_consistency.sql
SELECT 'row without live job' AS problem, q.id AS sync_queue_id, q.job_id, q.status::text AS detail
  FROM sync_queue q
 WHERE q.status IN ('PENDING', 'RETRY', 'PROCESSING')
   AND q.destination <> 'HUB'
   AND (SELECT count(*) FROM pgboss.job j
         WHERE j.id = q.job_id AND j.name LIKE 'sync-push-%' AND j.state IN ('created', 'retry', 'active')) <> 1
UNION ALL
SELECT 'live job without its row', (j.data->>'queueId')::uuid, j.id, j.state::text
  FROM pgboss.job j
 WHERE j.name LIKE 'sync-push-%'
   AND j.state IN ('created', 'retry', 'active')
   AND NOT EXISTS (SELECT 1 FROM sync_queue q
                    WHERE q.id = (j.data->>'queueId')::uuid AND q.job_id = j.id
                      AND q.status IN ('PENDING', 'RETRY', 'PROCESSING'));
