-- sync_queue ↔ pg-boss consistency. Returns ZERO rows exactly when they agree:
--   every push item waiting or running (PENDING, RETRY, PROCESSING; destination other than HUB)
--   has exactly one live pg-boss job (created, retry or active) whose id is sync_queue.job_id, and
--   every live push job still has a row it names waiting for it. A job names its rows in
--   data->'queueIds' (the items of one enqueue share a job), or in data->>'queueId' (one row,
--   queued before grouping); rows of a job that moved on (superseded, retried) are fenced off.
-- HUB items are pulled through leases and have no job (docs/queue.md).
-- psql "$(make -s db-url)" -f sql/reports/queue_consistency.sql
SELECT 'row without live job' AS problem, q.id AS sync_queue_id, q.job_id, q.status::text AS detail
  FROM sync_queue q
 WHERE q.status IN ('PENDING', 'RETRY', 'PROCESSING')
   AND q.destination <> 'HUB'
   AND (SELECT count(*) FROM pgboss.job j
         WHERE j.id = q.job_id AND j.name LIKE 'sync-push-%' AND j.state IN ('created', 'retry', 'active')) <> 1
UNION ALL
SELECT 'live job without its row', NULL::uuid, j.id, j.state::text
  FROM pgboss.job j
 WHERE j.name LIKE 'sync-push-%'
   AND j.state IN ('created', 'retry', 'active')
   AND NOT EXISTS (SELECT 1 FROM sync_queue q
                    WHERE q.id = ANY (array(SELECT jsonb_array_elements_text(coalesce(j.data->'queueIds', jsonb_build_array(j.data->'queueId'))))::uuid[])
                      AND q.job_id = j.id
                      AND q.status IN ('PENDING', 'RETRY', 'PROCESSING'));
