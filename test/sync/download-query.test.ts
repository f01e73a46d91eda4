/** The process.query grammar (src/sync/download-query.ts): what it accepts, and that it refuses the rest with a position. */
import t from 'tap';
import { parseDownloadQuery } from '../../src/sync/download-query.ts';

const DEFAULT = ['codigo', 'nombre', 'parametros_json', 'activo'].map((c) => ({ column: c, as: c }));

t.test('accepted spellings', async (t) => {
  t.same(
    parseDownloadQuery('parametros_maestros.tipo_campo=Cuenta'),
    { select: DEFAULT, where: [{ column: 'tipo_campo', value: 'cuenta' }], orderBy: [] },
    'shorthand (lower-cased, as before)',
  );
  t.same(
    parseDownloadQuery(
      "select * from PARAMETROS_MAESTROS where parametros_maestros.tipo_campo = 'cuenta' order by nombre desc, codigo asc",
    ),
    {
      select: DEFAULT,
      where: [{ column: 'tipo_campo', value: 'cuenta' }],
      orderBy: [
        { column: 'nombre', desc: true },
        { column: 'codigo', desc: false },
      ],
    },
    'keywords in any case, qualified columns, ORDER BY',
  );
  t.same(
    parseDownloadQuery(
      "SELECT codigo c, parametros_json->>'nivel' AS nivel FROM parametros_maestros WHERE nombre = 'O''Brien -- no comment' AND parametros_json->>'nivel' = 3",
    ),
    {
      select: [
        { column: 'codigo', as: 'c' },
        { json: 'nivel', as: 'nivel' },
      ],
      where: [
        { column: 'nombre', value: "O'Brien -- no comment" },
        { json: 'nivel', value: 3 },
      ],
      orderBy: [],
    },
    "implicit alias; '' inside a string; text that looks like a comment is only data (a bound parameter)",
  );
  t.same(
    parseDownloadQuery({ where: { tipo_campo: 'cuenta' } }),
    { select: DEFAULT, where: [{ column: 'tipo_campo', value: 'cuenta' }], orderBy: [] },
    'JSON form with defaults',
  );
});

t.test('refused, saying where', async (t) => {
  const refusal = (q: unknown) => {
    try {
      parseDownloadQuery(q);
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  };
  t.match(refusal("SELECT codigo FROM parametros_maestros WHERE tipo_campo = 'cuenta' OR 1 = 1"), /unexpected "OR 1 = 1" at position 68/);
  t.match(refusal('SELECT codigo FROM parametros_maestros, sync_tenant'), /unexpected ", sync_tenant" at position 39/);
  t.match(refusal('SELECT parametros_json->>nivel FROM parametros_maestros'), /unexpected "nivel/, 'the key is a string literal');
  t.match(refusal("SELECT parametros_json->>'nivel' FROM parametros_maestros"), /unexpected "FROM/, 'a JSON value needs an alias');
  t.match(refusal("SELECT codigo FROM parametros_maestros WHERE nombre = E'\\x41'"), /unexpected "'/, 'E strings');
  t.match(refusal("SELECT codigo FROM parametros_maestros WHERE nombre = 'abierta"), /unterminated string/);
  t.match(refusal('SELECT codigo FROM parametros_maestros WHERE activo = 1'), /activo compares with true or false/);
  t.match(refusal("SELECT codigo FROM parametros_maestros WHERE updatedAt = '2026-01-01'"), /updatedAt cannot be compared/);
  t.match(refusal('SELECT codigo FROM parametros_maestros WHERE codigo = \u0000'), /unexpected/);
  t.match(refusal(''), /process\.query is missing/);
  t.match(refusal({ select: ['codigo'], limit: 5 }), /Unrecognized key/);
});
