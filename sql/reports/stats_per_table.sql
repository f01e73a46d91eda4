-- Runs per table and direction over 30 days (seed 001 "Mantenimiento": Estadísticas por tabla).
--   psql "$(make -s db-url)" -v tenant=default -f sql/reports/stats_per_table.sql
-- Webhook deliveries are left out: they are not tables.
SELECT entity_type AS tabla,
       direction   AS direccion,
       count(*)                                             AS total_ejecuciones,
       count(*) FILTER (WHERE status = 'SUCCESS')           AS exitosas,
       count(*) FILTER (WHERE status = 'PARTIAL')           AS parciales,
       count(*) FILTER (WHERE status IN ('FAILED', 'DEAD')) AS errores,
       round(avg(duration_ms))                              AS duracion_promedio_ms,
       coalesce(sum(rows_affected), 0)                      AS total_registros
  FROM sync_log
 WHERE tenant_id = :'tenant'
   AND action <> 'WEBHOOK'
   AND created_at > now() - interval '30 days'
 GROUP BY entity_type, direction
 ORDER BY entity_type, direction;
