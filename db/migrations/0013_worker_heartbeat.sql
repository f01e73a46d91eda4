-- Issue 15: liveness of worker processes. Each worker upserts its row every few seconds and deletes it
-- on a clean stop; the server's health check reads the newest beat (a SIGKILLed worker just goes stale).
CREATE TABLE sync_worker_heartbeat (
  worker_id   text PRIMARY KEY,
  hostname    text NOT NULL,
  pid         integer NOT NULL,
  started_at  timestamptz NOT NULL,
  beat_at     timestamptz NOT NULL DEFAULT now()
);
