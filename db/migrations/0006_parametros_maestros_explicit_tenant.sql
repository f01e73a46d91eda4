-- parametros_maestros no longer reads the tenant from a session setting (`app.tenant_id`): a
-- setting is something SQL can change (set_config), so it cannot be a security boundary. The view
-- now shows every tenant's rows and the only reader, our download code (src/sync/download-source.ts),
-- writes `WHERE "tenantId" = $1` itself. Tenant-written text never reaches PostgreSQL as SQL.
CREATE OR REPLACE VIEW parametros_maestros AS
SELECT d.id,
       d.tenant_id                      AS "tenantId",
       lower(d.entity_type)             AS tipo_campo,
       d.entity_id                      AS codigo,
       coalesce(d.payload->>'nombre', d.payload->>'descripcion') AS nombre,
       d.payload                        AS parametros_json,
       d.status <> 'DELETED'            AS activo,
       d.updated_at                     AS "updatedAt"
  FROM sync_data d;
