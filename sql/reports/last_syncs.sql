-- Last 50 synchronisations of a tenant (seed 001 "Mantenimiento": Últimas 50 sincronizaciones).
-- psql "$(make -s db-url)" -v tenant=default -f sql/reports/last_syncs.sql
SELECT entity_type   AS tabla,
       direction     AS direccion,
       status        AS estado,
       phase         AS fase,
       rows_affected AS "registrosAfectados",
       duration_ms   AS "duracionMs",
       coalesce(started_at, created_at) AS "fechaInicio",
       message       AS mensaje
  FROM sync_log
 WHERE tenant_id = :'tenant'
 ORDER BY created_at DESC, id DESC
 LIMIT 50;
