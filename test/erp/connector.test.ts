import t from 'tap';
import { mssqlTarget, MSSQL_SKIP, simulatorTarget } from '../helpers/erp-target.ts';
import { connectorCases } from './connector-cases.ts';

t.test('connector against the ERP simulator (TDS over loopback)', async (t) => {
  const target = await simulatorTarget(t);
  connectorCases(t, async () => target);
});

t.test('connector against a real SQL Server (MSSQL_URL)', { skip: MSSQL_SKIP }, async (t) => {
  const target = mssqlTarget(t)!;
  connectorCases(t, async () => target);
});
