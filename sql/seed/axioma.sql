-- parse-sync seed: tenant `default` with Axioma configurations (psql; idempotent).
--   make seed          (runs every sql/seed/*.sql against the database in use)
--
-- Axioma's table and column names are not publicly documented. The SQL below is a TEMPLATE:
-- adapt table/column names to the customer's Axioma database (seed 000 §5.2) — the shape
-- (@lastSync cursor, OUTPUT INSERTED … INTO @t for the ERP id (a bare OUTPUT fails on tables with triggers, error 334), find_existing for idempotent retries) stays.
-- A second run changes nothing: rows are only updated when a value differs (same updated_at).

INSERT INTO sync_tenant (id, name, timezone)
VALUES ('default', 'Default tenant', 'America/Argentina/Buenos_Aires')
ON CONFLICT (id) DO NOTHING;

INSERT INTO sync_entity_config AS c
  (tenant_id, entity_type, erp_type, source_table, primary_key, timestamp_field, queries, field_mapping, transform_rules, direction, enabled, sync_frequency)
VALUES
('default', 'PROVEEDOR', 'AXIOMA', 'Proveedores', 'CodProv', 'FechaModif',
 $q${
   "select_all": "SELECT CodProv, RazonSocial, Cuit, Email, Telefono, Activo, FechaModif FROM Proveedores",
   "select_since": "SELECT CodProv, RazonSocial, Cuit, Email, Telefono, Activo, FechaModif FROM Proveedores WHERE FechaModif >= @lastSync ORDER BY FechaModif, CodProv",
   "cursor": { "field": "FechaModif", "pk": "CodProv", "lookback_seconds": 300 }
 }$q$::jsonb,
 $q${ "erp_to_hub": { "CodProv": "id", "RazonSocial": "nombre", "Cuit": "cuit", "Email": "email", "Telefono": "telefono", "Activo": "activo", "FechaModif": "modificado" } }$q$::jsonb,
 $q$[
   { "rule": "trim", "field": "nombre" },
   { "rule": "regex_replace", "field": "cuit", "pattern": "[^0-9]", "replacement": "" },
   { "rule": "lower", "field": "email" },
   { "rule": "null_if_empty", "field": "email" },
   { "rule": "boolean", "field": "activo" },
   { "rule": "date", "field": "modificado" }
 ]$q$::jsonb,
 'IN', true, '0 2 * * *'),

('default', 'SECTOR', 'AXIOMA', 'CentrosCosto', 'CodCentro', NULL,
 $q${ "select_all": "SELECT CodCentro, Descripcion, Activo FROM CentrosCosto" }$q$::jsonb,
 $q${ "erp_to_hub": { "CodCentro": "codigo", "Descripcion": "nombre", "Activo": "activo" } }$q$::jsonb,
 $q$[ { "rule": "trim", "field": "nombre" }, { "rule": "boolean", "field": "activo" } ]$q$::jsonb,
 'IN', true, '0 3 * * 0'),

('default', 'PAGO', 'AXIOMA', 'Pagos', 'NroPago', 'FechaModif',
 $q${
   "select_all": "SELECT p.NroPago, p.CodProv, p.Fecha, p.Importe, p.Moneda, p.FechaModif, p.Facturas FROM Pagos p",
   "select_since": "SELECT p.NroPago, p.CodProv, p.Fecha, p.Importe, p.Moneda, p.FechaModif, p.Facturas FROM Pagos p WHERE p.FechaModif >= @lastSync ORDER BY p.FechaModif, p.NroPago",
   "cursor": { "field": "FechaModif", "pk": "NroPago", "lookback_seconds": 300 }
 }$q$::jsonb,
 $q${ "erp_to_hub": { "NroPago": "numero", "CodProv": "proveedor_id", "Fecha": "fecha", "Importe": "importe", "Moneda": "moneda", "Facturas": "facturas" } }$q$::jsonb,
 $q$[ { "rule": "number", "field": "importe", "scale": 2 }, { "rule": "date", "field": "fecha", "date_only": true }, { "rule": "default", "field": "moneda", "value": "ARS" } ]$q$::jsonb,
 'IN', true, '0 * * * *'),

('default', 'ORDEN_COMPRA', 'AXIOMA', 'OrdenesCompra', 'IdOC', NULL,
 $q${
   "find_existing": "SELECT IdOC FROM OrdenesCompra WHERE NumeroHub = @numero",
   "insert": "DECLARE @t TABLE (IdOC INT); INSERT INTO OrdenesCompra (NumeroHub, Fecha, CodProv, Total, CodCentro) OUTPUT INSERTED.IdOC INTO @t VALUES (@numero, @fecha, @proveedor, @total, @sector); SELECT IdOC FROM @t",
   "insert_item": "INSERT INTO OrdenesCompraItems (IdOC, Renglon, CodArt, Descripcion, Cantidad, PrecioUnitario) VALUES (@header_id, @renglon, @articulo, @descripcion, @cantidad, @precio)"
 }$q$::jsonb,
 $q${
   "hub_to_erp": { "numero": "numero", "fecha": "fecha", "proveedor": "proveedor", "total": "total", "sector": "sector" },
   "types": { "fecha": "date", "total": "decimal" },
   "items": { "from": "items", "mapping": { "renglon": "renglon", "articulo": "articulo", "descripcion": "descripcion", "cantidad": "cantidad", "precio": "precio" } }
 }$q$::jsonb,
 $q$[ { "rule": "number", "field": "total", "scale": 2 }, { "rule": "date", "field": "fecha", "date_only": true } ]$q$::jsonb,
 'OUT', true, NULL),

('default', 'RECEPCION', 'AXIOMA', 'Recepciones', 'IdRecepcion', NULL,
 $q${
   "find_existing": "SELECT IdRecepcion FROM Recepciones WHERE NumeroHub = @numero",
   "insert": "DECLARE @t TABLE (IdRecepcion INT); INSERT INTO Recepciones (NumeroHub, IdOC, Fecha, Observaciones) OUTPUT INSERTED.IdRecepcion INTO @t SELECT @numero, IdOC, @fecha, @observaciones FROM OrdenesCompra WHERE NumeroHub = @orden; SELECT IdRecepcion FROM @t",
   "insert_item": "INSERT INTO RecepcionesItems (IdRecepcion, Renglon, CantidadRecibida) VALUES (@header_id, @renglon, @cantidad)"
 }$q$::jsonb,
 $q${
   "hub_to_erp": { "numero": "numero", "orden": "orden", "fecha": "fecha", "observaciones": "observaciones" },
   "types": { "fecha": "date" },
   "items": { "from": "items", "mapping": { "renglon": "renglon", "cantidad": "cantidad" } }
 }$q$::jsonb,
 $q$[ { "rule": "date", "field": "fecha", "date_only": true }, { "rule": "trim", "field": "observaciones" } ]$q$::jsonb,
 'OUT', true, NULL)
ON CONFLICT (tenant_id, entity_type, erp_type) DO UPDATE SET
  source_table = EXCLUDED.source_table, primary_key = EXCLUDED.primary_key, timestamp_field = EXCLUDED.timestamp_field,
  queries = EXCLUDED.queries, field_mapping = EXCLUDED.field_mapping, transform_rules = EXCLUDED.transform_rules,
  direction = EXCLUDED.direction, enabled = EXCLUDED.enabled, sync_frequency = EXCLUDED.sync_frequency, updated_at = now()
WHERE (c.source_table, c.primary_key, c.timestamp_field, c.queries, c.field_mapping, c.transform_rules, c.direction, c.enabled, c.sync_frequency)
      IS DISTINCT FROM
      (EXCLUDED.source_table, EXCLUDED.primary_key, EXCLUDED.timestamp_field, EXCLUDED.queries, EXCLUDED.field_mapping, EXCLUDED.transform_rules, EXCLUDED.direction, EXCLUDED.enabled, EXCLUDED.sync_frequency);
