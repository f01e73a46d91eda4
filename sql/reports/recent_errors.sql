-- Errors of the last 7 days (seed 001 "Mantenimiento": Errores recientes), webhooks included.
--   psql "$(make -s db-url)" -v tenant=default -f sql/reports/recent_errors.sql
-- FAILED is an attempt that failed (it may still be retried); DEAD is final (retry it from the admin API).
SELECT entity_type  AS tabla,
       action       AS accion,
       entity_id,
       status       AS estado,
       phase        AS fase,
       executed_on  AS "ejecutadoEn",
       message      AS mensaje,
       error_detail AS "errorDetalle",
       coalesce(started_at, created_at) AS "fechaInicio",
       sync_queue_id
  FROM sync_log
 WHERE tenant_id = :'tenant'
   AND status IN ('FAILED', 'DEAD')
   AND created_at > now() - interval '7 days'
 ORDER BY created_at DESC, id DESC;
