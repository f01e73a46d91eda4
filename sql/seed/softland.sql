-- parse-sync seed: tenant `default` with Softland configurations (psql; idempotent).
--   make seed          (runs every sql/seed/*.sql against the database in use)
--
-- Softland keeps auxiliaries in softland.cwtauxi (CodAux, NomAux, RutAux, EMail, FonAux1,
-- ActAux 'S'/'N', ClaPro = 'S' for suppliers, FechaUlMod = last change, a datetime) and cost
-- centres in softland.cwtccos (CodiCC, DescCC, Activo 'S'/'N'). Payments and purchasing differ by
-- version and module, and Softland's own documents (e.g. softland.owordencom) should be written by
-- Softland, not by us: tables named softland.Parse* stand for the customer's views (payments) and
-- staging tables (orders, receipts) that a Softland process imports. So the SQL below is a
-- TEMPLATE to adapt to the customer's Softland database (seed 000 §5.3) — the shape (@lastSync
-- cursor, OUTPUT INSERTED … INTO @t for the ERP id (a bare OUTPUT fails on tables with triggers, error 334), find_existing for idempotent retries) stays.
-- Loaded DISABLED: tenant `default` runs the Axioma set. For a Softland customer, enable these
-- (UPDATE sync_entity_config SET enabled = (erp_type = 'SOFTLAND') WHERE tenant_id = '…').
-- A second run changes nothing: rows are only updated when a value differs (same updated_at).

INSERT INTO sync_tenant (id, name, timezone)
VALUES ('default', 'Default tenant', 'America/Argentina/Buenos_Aires')
ON CONFLICT (id) DO NOTHING;

INSERT INTO sync_entity_config AS c
  (tenant_id, entity_type, erp_type, source_table, primary_key, timestamp_field, queries, field_mapping, transform_rules, direction, enabled, sync_frequency)
VALUES
('default', 'PROVEEDOR', 'SOFTLAND', 'softland.cwtauxi', 'CodAux', 'FechaUlMod',
 $q${
   "select_all": "SELECT CodAux, NomAux, RutAux, EMail, FonAux1, ActAux, FechaUlMod FROM softland.cwtauxi WHERE ClaPro = 'S'",
   "select_since": "SELECT CodAux, NomAux, RutAux, EMail, FonAux1, ActAux, FechaUlMod FROM softland.cwtauxi WHERE ClaPro = 'S' AND FechaUlMod >= @lastSync ORDER BY FechaUlMod, CodAux",
   "cursor": { "field": "FechaUlMod", "pk": "CodAux", "lookback_seconds": 300 }
 }$q$::jsonb,
 $q${ "erp_to_hub": { "CodAux": "id", "NomAux": "nombre", "RutAux": "cuit", "EMail": "email", "FonAux1": "telefono", "ActAux": "activo", "FechaUlMod": "modificado" } }$q$::jsonb,
 $q$[
   { "rule": "trim", "field": "nombre" },
   { "rule": "regex_replace", "field": "cuit", "pattern": "[^0-9]", "replacement": "" },
   { "rule": "lower", "field": "email" },
   { "rule": "null_if_empty", "field": "email" },
   { "rule": "boolean", "field": "activo" },
   { "rule": "date", "field": "modificado" }
 ]$q$::jsonb,
 'IN', false, '0 2 * * *'),

('default', 'SECTOR', 'SOFTLAND', 'softland.cwtccos', 'CodiCC', NULL,
 $q${ "select_all": "SELECT CodiCC, DescCC, Activo FROM softland.cwtccos" }$q$::jsonb,
 $q${ "erp_to_hub": { "CodiCC": "codigo", "DescCC": "nombre", "Activo": "activo" } }$q$::jsonb,
 $q$[ { "rule": "trim", "field": "nombre" }, { "rule": "boolean", "field": "activo" } ]$q$::jsonb,
 'IN', false, '0 3 * * 0'),

('default', 'PAGO', 'SOFTLAND', 'softland.ParsePagos', 'NroPago', 'FechaModif',
 $q${
   "select_all": "SELECT p.NroPago, p.CodProv, p.Fecha, p.Importe, p.Moneda, p.FechaModif, p.Facturas FROM softland.ParsePagos p",
   "select_since": "SELECT p.NroPago, p.CodProv, p.Fecha, p.Importe, p.Moneda, p.FechaModif, p.Facturas FROM softland.ParsePagos p WHERE p.FechaModif >= @lastSync ORDER BY p.FechaModif, p.NroPago",
   "cursor": { "field": "FechaModif", "pk": "NroPago", "lookback_seconds": 300 }
 }$q$::jsonb,
 $q${ "erp_to_hub": { "NroPago": "numero", "CodProv": "proveedor_id", "Fecha": "fecha", "Importe": "importe", "Moneda": "moneda", "Facturas": "facturas" } }$q$::jsonb,
 $q$[ { "rule": "number", "field": "importe", "scale": 2 }, { "rule": "date", "field": "fecha", "date_only": true }, { "rule": "default", "field": "moneda", "value": "ARS" } ]$q$::jsonb,
 'IN', false, '0 * * * *'),

('default', 'ORDEN_COMPRA', 'SOFTLAND', 'softland.ParseOrdenesCompra', 'IdOC', NULL,
 $q${
   "find_existing": "SELECT IdOC FROM softland.ParseOrdenesCompra WHERE NumeroHub = @numero",
   "insert": "DECLARE @t TABLE (IdOC INT); INSERT INTO softland.ParseOrdenesCompra (NumeroHub, Fecha, CodProv, Total, CodCentro) OUTPUT INSERTED.IdOC INTO @t VALUES (@numero, @fecha, @proveedor, @total, @sector); SELECT IdOC FROM @t",
   "insert_item": "INSERT INTO softland.ParseOrdenesCompraItems (IdOC, Renglon, CodArt, Descripcion, Cantidad, PrecioUnitario) VALUES (@header_id, @renglon, @articulo, @descripcion, @cantidad, @precio)"
 }$q$::jsonb,
 $q${
   "hub_to_erp": { "numero": "numero", "fecha": "fecha", "proveedor": "proveedor", "total": "total", "sector": "sector" },
   "types": { "fecha": "date", "total": "decimal" },
   "items": { "from": "items", "mapping": { "renglon": "renglon", "articulo": "articulo", "descripcion": "descripcion", "cantidad": "cantidad", "precio": "precio" } }
 }$q$::jsonb,
 $q$[ { "rule": "number", "field": "total", "scale": 2 }, { "rule": "date", "field": "fecha", "date_only": true } ]$q$::jsonb,
 'OUT', false, NULL),

('default', 'RECEPCION', 'SOFTLAND', 'softland.ParseRecepciones', 'IdRecepcion', NULL,
 $q${
   "find_existing": "SELECT IdRecepcion FROM softland.ParseRecepciones WHERE NumeroHub = @numero",
   "insert": "DECLARE @t TABLE (IdRecepcion INT); INSERT INTO softland.ParseRecepciones (NumeroHub, IdOC, Fecha, Observaciones) OUTPUT INSERTED.IdRecepcion INTO @t SELECT @numero, IdOC, @fecha, @observaciones FROM softland.ParseOrdenesCompra WHERE NumeroHub = @orden; SELECT IdRecepcion FROM @t",
   "insert_item": "INSERT INTO softland.ParseRecepcionesItems (IdRecepcion, Renglon, CantidadRecibida) VALUES (@header_id, @renglon, @cantidad)"
 }$q$::jsonb,
 $q${
   "hub_to_erp": { "numero": "numero", "orden": "orden", "fecha": "fecha", "observaciones": "observaciones" },
   "types": { "fecha": "date" },
   "items": { "from": "items", "mapping": { "renglon": "renglon", "cantidad": "cantidad" } }
 }$q$::jsonb,
 $q$[ { "rule": "date", "field": "fecha", "date_only": true }, { "rule": "trim", "field": "observaciones" } ]$q$::jsonb,
 'OUT', false, NULL)
ON CONFLICT (tenant_id, entity_type, erp_type) DO UPDATE SET
  source_table = EXCLUDED.source_table, primary_key = EXCLUDED.primary_key, timestamp_field = EXCLUDED.timestamp_field,
  queries = EXCLUDED.queries, field_mapping = EXCLUDED.field_mapping, transform_rules = EXCLUDED.transform_rules,
  direction = EXCLUDED.direction, enabled = EXCLUDED.enabled, sync_frequency = EXCLUDED.sync_frequency, updated_at = now()
WHERE (c.source_table, c.primary_key, c.timestamp_field, c.queries, c.field_mapping, c.transform_rules, c.direction, c.enabled, c.sync_frequency)
      IS DISTINCT FROM
      (EXCLUDED.source_table, EXCLUDED.primary_key, EXCLUDED.timestamp_field, EXCLUDED.queries, EXCLUDED.field_mapping, EXCLUDED.transform_rules, EXCLUDED.direction, EXCLUDED.enabled, EXCLUDED.sync_frequency);
