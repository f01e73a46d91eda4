-- Seed 001's `parametros_maestros` as a view over sync_data (one model, not a second copy).
-- Download queries run with `app.tenant_id` set (SET LOCAL): the view only shows that tenant's rows.
CREATE VIEW parametros_maestros AS
SELECT d.id,
       d.tenant_id                      AS "tenantId",
       lower(d.entity_type)             AS tipo_campo,
       d.entity_id                      AS codigo,
       coalesce(d.payload->>'nombre', d.payload->>'descripcion') AS nombre,
       d.payload                        AS parametros_json,
       d.status <> 'DELETED'            AS activo,
       d.updated_at                     AS "updatedAt"
  FROM sync_data d
 WHERE d.tenant_id = current_setting('app.tenant_id', true);
