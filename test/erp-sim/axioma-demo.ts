/**
 * ERP SIMULATOR demo data: an Axioma-like database shaped like the tables sql/seed/axioma.sql
 * reads and writes (suppliers, cost centres, payments, purchase orders, receipts). Test and demo
 * tooling only.
 */
import type pg from 'pg';

export const AXIOMA_SCHEMA = [
  'CREATE TABLE Proveedores (CodProv NVARCHAR(20) PRIMARY KEY, RazonSocial NVARCHAR(100) NOT NULL, Cuit NVARCHAR(20), Email NVARCHAR(100), Telefono NVARCHAR(30), Activo BIT NOT NULL DEFAULT 1, FechaModif DATETIME2(7) NOT NULL)',
  'CREATE TABLE CentrosCosto (CodCentro NVARCHAR(10) PRIMARY KEY, Descripcion NVARCHAR(100) NOT NULL, Activo BIT NOT NULL DEFAULT 1)',
  'CREATE TABLE Pagos (NroPago NVARCHAR(20) PRIMARY KEY, CodProv NVARCHAR(20) NOT NULL REFERENCES Proveedores (CodProv), Fecha DATE NOT NULL, Importe DECIMAL(14,2) NOT NULL, Moneda NVARCHAR(3), Facturas NVARCHAR(400), FechaModif DATETIME2(7) NOT NULL)',
  'CREATE TABLE OrdenesCompra (IdOC INT IDENTITY(1,1) PRIMARY KEY, NumeroHub NVARCHAR(30) NOT NULL UNIQUE, Fecha DATE, CodProv NVARCHAR(20) NOT NULL REFERENCES Proveedores (CodProv), Total DECIMAL(14,2), CodCentro NVARCHAR(10))',
  'CREATE TABLE OrdenesCompraItems (IdOC INT NOT NULL REFERENCES OrdenesCompra (IdOC), Renglon INT NOT NULL, CodArt NVARCHAR(20), Descripcion NVARCHAR(200), Cantidad DECIMAL(12,2), PrecioUnitario DECIMAL(14,2))',
  'CREATE TABLE Recepciones (IdRecepcion INT IDENTITY(1,1) PRIMARY KEY, NumeroHub NVARCHAR(30) NOT NULL UNIQUE, IdOC INT NOT NULL REFERENCES OrdenesCompra (IdOC), Fecha DATE, Observaciones NVARCHAR(400))',
  'CREATE TABLE RecepcionesItems (IdRecepcion INT NOT NULL REFERENCES Recepciones (IdRecepcion), Renglon INT NOT NULL, CantidadRecibida DECIMAL(12,2))',
];

/**
 * Sample rows, straight into the simulator's PostgreSQL (PostgreSQL folds the unquoted T-SQL
 * names above to lower case): `suppliers` suppliers, 8 cost centres, a payment per 3 suppliers.
 */
export async function loadAxiomaSample(pgClient: pg.Client | pg.Pool, suppliers = 300): Promise<void> {
  await pgClient.query(`insert into proveedores (codprov, razonsocial, cuit, email, telefono, activo, fechamodif)
    select 'PRV-' || lpad(g::text, 5, '0'), (array['Ñandú', 'Quebracho', 'Lapacho', 'Tero', 'Hornero'])[1 + g % 5] || ' ' || g || ' S.A.',
           '30-' || lpad((70000000 + g)::text, 8, '0') || '-' || (g % 10), 'compras' || g || '@proveedor.example', '+54 11 4' || lpad(g::text, 7, '0'),
           case when g % 17 = 0 then 0 else 1 end, timestamp '2026-01-01' + g * interval '37 minutes'
    from generate_series(1, ${suppliers}) g`);
  await pgClient.query(`insert into centroscosto (codcentro, descripcion) values
    ('ADM', 'Administración'), ('COM', 'Compras'), ('OBR', 'Obras'), ('TAL', 'Taller'), ('LOG', 'Logística'), ('VEN', 'Ventas'), ('RRHH', 'Recursos humanos'), ('SIS', 'Sistemas')`);
  await pgClient.query(`insert into pagos (nropago, codprov, fecha, importe, moneda, facturas, fechamodif)
    select 'OP-' || lpad(g::text, 6, '0'), 'PRV-' || lpad((g * 3)::text, 5, '0'), date '2026-02-01' + g, round((g * 1234.567)::numeric, 2), 'ARS',
           'A-0001-' || lpad((g * 2)::text, 8, '0') || ';A-0001-' || lpad((g * 2 + 1)::text, 8, '0'), timestamp '2026-02-01' + g * interval '1 hour'
    from generate_series(1, ${Math.floor(suppliers / 3)}) g`);
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const q = (s: string) => `N'${s.replace(/'/g, "''")}'`;

/**
 * The same sample rows as `loadAxiomaSample`, as T-SQL INSERTs through any ERP session — so one
 * data set runs on the simulator, on Babelfish and on a real SQL Server (1 000 rows per VALUES at most).
 */
export async function loadAxiomaSampleTsql(session: { execute(sql: string): Promise<unknown> }, suppliers = 300): Promise<void> {
  const insert = async (head: string, rows: string[]) => {
    for (let i = 0; i < rows.length; i += 200) await session.execute(`${head} VALUES ${rows.slice(i, i + 200).join(', ')}`);
  };
  const names = ['Ñandú', 'Quebracho', 'Lapacho', 'Tero', 'Hornero']; // PostgreSQL's array[1 + g % 5]
  const start = Date.UTC(2026, 0, 1);
  await insert(
    'INSERT INTO Proveedores (CodProv, RazonSocial, Cuit, Email, Telefono, Activo, FechaModif)',
    Array.from({ length: suppliers }, (_, i) => {
      const g = i + 1;
      return `(${q(`PRV-${pad(g, 5)}`)}, ${q(`${names[g % 5]} ${g} S.A.`)}, ${q(`30-${pad(70_000_000 + g, 8)}-${g % 10}`)}, ${q(`compras${g}@proveedor.example`)}, ${q(`+54 11 4${pad(g, 7)}`)}, ${g % 17 === 0 ? 0 : 1}, '${stamp(start + g * 37 * 60_000)}')`;
    }),
  );
  await insert(
    'INSERT INTO CentrosCosto (CodCentro, Descripcion)',
    [
      ['ADM', 'Administración'],
      ['COM', 'Compras'],
      ['OBR', 'Obras'],
      ['TAL', 'Taller'],
      ['LOG', 'Logística'],
      ['VEN', 'Ventas'],
      ['RRHH', 'Recursos humanos'],
      ['SIS', 'Sistemas'],
    ].map(([c, d]) => `(${q(c!)}, ${q(d!)})`),
  );
  const feb = Date.UTC(2026, 1, 1);
  await insert(
    'INSERT INTO Pagos (NroPago, CodProv, Fecha, Importe, Moneda, Facturas, FechaModif)',
    Array.from({ length: Math.floor(suppliers / 3) }, (_, i) => {
      const g = i + 1;
      const cents = Math.floor((g * 1_234_567 + 5) / 10); // round(g * 1234.567, 2), in integers
      return `(${q(`OP-${pad(g, 6)}`)}, ${q(`PRV-${pad(g * 3, 5)}`)}, '${stamp(feb + g * 86_400_000).slice(0, 10)}', ${Math.floor(cents / 100)}.${pad(cents % 100, 2)}, N'ARS', ${q(`A-0001-${pad(g * 2, 8)};A-0001-${pad(g * 2 + 1, 8)}`)}, '${stamp(feb + g * 3_600_000)}')`;
    }),
  );
}
