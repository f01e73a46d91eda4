-- Last 50 synchronisations of a tenant (seed 001 "Mantenimiento": Últimas 50 sincronizaciones).
--   psql "$(make -s db-url)" -v tenant=default -f sql/reports/last_syncs.sql
-- One row per run phase or per item (entity_id set); webhook deliveries are left out (see recent_errors.sql).
-- Column names follow seed 001's sync_logs so its users recognise them.
SELECT entity_type   AS tabla,
       direction     AS direccion,
       action        AS accion,
       entity_id,
       status        AS estado,
       phase         AS fase,
       executed_on   AS "ejecutadoEn",
       rows_affected AS "registrosAfectados",
       duration_ms   AS "duracionMs",
       coalesce(started_at, created_at) AS "fechaInicio",
       completed_at  AS "fechaFin",
       message       AS mensaje
  FROM sync_log
 WHERE tenant_id = :'tenant'
   AND action <> 'WEBHOOK'
 ORDER BY created_at DESC, id DESC
 LIMIT 50;
