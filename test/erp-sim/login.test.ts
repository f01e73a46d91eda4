/**
 * ERP SIMULATOR: PRELOGIN + LOGIN7 as tedious does them — plain (encryption not supported) and
 * TDS 8 strict (TLS first, the simulator's self-signed certificate) — and a refused login.
 */
import t from 'tap';
import { connect, rowsOf, SIM_USER, startSimulator } from './tedious-client.ts';

t.test('login: LOGINACK and ENVCHANGE (database, collation, packet size), then requests', async (t) => {
  const lines: string[] = [];
  const { sim } = await startSimulator(t, { log: (l) => lines.push(l) });
  t.equal(sim.host, '127.0.0.1');
  const conn = await connect(t, sim, { options: { packetSize: 8192 } });
  const c = conn as unknown as {
    databaseCollation?: { codepage?: string };
    loginError?: unknown;
    config: { options: { tdsVersion: string } };
    messageIo: { packetSize(): number };
  };
  t.equal(c.config.options.tdsVersion, '7_4', 'TDS 7.4');
  t.equal(c.databaseCollation?.codepage, 'CP1252', 'ENVCHANGE collation: SQL_Latin1_General_CP1_CI_AS');
  t.equal(c.messageIo.packetSize(), 8192, 'ENVCHANGE packet size: the client’s request agreed');
  t.same(await rowsOf(conn, 'SELECT DB_NAME() AS db, 1 + 1 AS two'), [{ db: 'erp', two: 2 }]);
  t.match(lines.join('\n'), /listening on 127\.0\.0\.1:\d+/);
  t.match(lines.join('\n'), /simulator/i, 'log lines say it is a simulator');
});

t.test('wrong password or user: error 18456, state 1, class 14', async (t) => {
  const { sim } = await startSimulator(t);
  await t.rejects(connect(t, sim, { password: 'wrong' }), {
    code: 'ELOGIN',
    number: 18456,
    state: 1,
    class: 14,
    message: `Login failed for user '${SIM_USER}'.`,
  });
  await t.rejects(connect(t, sim, { user: 'intruso' }), { number: 18456, message: "Login failed for user 'intruso'." });
});

t.test('TDS 8 strict: TLS before any TDS byte, with the self-signed certificate made at start', async (t) => {
  const { sim } = await startSimulator(t, { tls: 'strict' });
  const pem = (sim as { certificatePem?: string }).certificatePem;
  t.match(pem, /-----BEGIN CERTIFICATE-----/);
  const conn = await connect(t, sim, { strict: true });
  const socket = (conn as unknown as { socket: { getProtocol?(): string; alpnProtocol?: string } }).socket;
  t.match(socket.getProtocol?.(), /^TLSv1\.[23]$/, 'the connection is TLS');
  t.same(await rowsOf(conn, "SELECT N'Ñandú' AS nombre"), [{ nombre: 'Ñandú' }]);

  await t.rejects(
    connect(t, { ...sim, certificatePem: undefined }, { strict: true }),
    { code: 'ESOCKET' },
    'a client that does not trust the certificate is refused',
  );
  await t.rejects(connect(t, sim), { code: 'ESOCKET' }, 'a plain-TDS client cannot talk to a strict simulator');
});
