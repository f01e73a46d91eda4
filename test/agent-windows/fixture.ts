/**
 * Seed 001's examples on the ERP simulator and the backend for the Windows run: example 1 (a view
 * over proveedores, full upload), example 2 (productos, incremental by fecha_modificacion) and
 * example 3 (plan_cuentas_erp, a download MERGEd into a table that pre_process creates).
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import type { ErpTarget } from '../helpers/erp-target.ts';

export async function seed001Examples(db: Kysely<Database>, erp: ErpTarget): Promise<void> {
  for (const statement of [
    'CREATE TABLE proveedores (id INT PRIMARY KEY, razon_social NVARCHAR(100), cuit NVARCHAR(20), activo BIT)',
    "INSERT INTO proveedores VALUES (1, 'Proveedor A', '20-12345678-9', 1), (2, 'Proveedor B', '20-87654321-0', 1), (3, 'De baja', '20-1-1', 0)",
    'CREATE VIEW vista_proveedores AS SELECT id, razon_social, cuit, activo FROM proveedores WHERE activo = 1',
    'CREATE TABLE productos (codigo NVARCHAR(20) PRIMARY KEY, descripcion NVARCHAR(100), precio DECIMAL(14,4), fecha_modificacion DATETIME2(7))',
    "INSERT INTO productos VALUES ('P1', 'Tornillo', 12.3456, '2026-03-01T09:30:00.1234560'), ('P2', 'Tuerca', 0.0001, '2026-03-01T09:30:00.1234570')",
  ])
    await erp.pool.execute(statement);
  await db
    .insertInto('sync_entity_config')
    .values([
      {
        tenant_id: 'acme',
        entity_type: 'PROVEEDOR',
        erp_type: 'AXIOMA',
        source_table: 'vista_proveedores',
        primary_key: 'codigo',
        direction: 'IN',
        queries: JSON.stringify({ select_all: 'SELECT id as codigo, razon_social as nombre, cuit, activo FROM vista_proveedores' }),
        field_mapping: JSON.stringify({ erp_to_hub: { codigo: 'id', nombre: 'nombre', cuit: 'cuit', activo: 'activo' } }),
      },
      {
        tenant_id: 'acme',
        entity_type: 'PRODUCTO',
        erp_type: 'AXIOMA',
        source_table: 'productos',
        primary_key: 'codigo',
        timestamp_field: 'fecha_modificacion',
        direction: 'IN',
        queries: JSON.stringify({
          select_all: 'SELECT codigo, descripcion, precio, fecha_modificacion FROM productos ORDER BY fecha_modificacion',
          select_since:
            'SELECT codigo, descripcion, precio, fecha_modificacion FROM productos WHERE fecha_modificacion > @lastSync ORDER BY fecha_modificacion',
          cursor: { field: 'fecha_modificacion', pk: 'codigo', lookback_seconds: 0 },
        }),
        field_mapping: JSON.stringify({
          erp_to_hub: { codigo: 'id', descripcion: 'descripcion', precio: 'precio', fecha_modificacion: 'modificado' },
        }),
      },
      {
        tenant_id: 'acme',
        entity_type: 'PLAN_CUENTAS_ERP',
        erp_type: 'AXIOMA',
        primary_key: 'codigo',
        direction: 'OUT',
        queries: JSON.stringify({
          schema: {
            columns: [
              { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
              { name: 'nombre', type: 'VARCHAR(200)', nullable: false },
              { name: 'nivel', type: 'INT', nullable: false },
            ],
          },
          pre_process: {
            run_on: 'erp',
            sql: "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name='plan_cuentas_erp') CREATE TABLE plan_cuentas_erp (codigo VARCHAR(20) PRIMARY KEY, nombre VARCHAR(200), nivel INT)",
          },
          process: {
            query:
              "SELECT codigo, nombre, parametros_json->>'nivel' as nivel FROM parametros_maestros WHERE tipo_campo = 'cuenta' AND activo = true ORDER BY codigo",
          },
          post_process: {
            run_on: 'erp',
            sql: 'MERGE plan_cuentas_erp AS target USING {temp_table} AS source ON target.codigo = source.codigo WHEN MATCHED THEN UPDATE SET nombre = source.nombre, nivel = source.nivel WHEN NOT MATCHED THEN INSERT (codigo, nombre, nivel) VALUES (source.codigo, source.nombre, source.nivel);',
          },
        }),
      },
    ])
    .execute();
  await sql`insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction)
            values ('acme', 'CUENTA', 'AXIOMA', '1.1.01', '{"nombre": "Caja", "nivel": 3}', repeat('a', 64), 'IN'),
                   ('acme', 'CUENTA', 'AXIOMA', '1.1.02', '{"nombre": "Banco", "nivel": 3}', repeat('b', 64), 'IN')`.execute(db);
}
