/**
 * The console in a real browser against the whole product: server + worker processes, the ERP
 * simulator with an Axioma-like database, real PostgreSQL. Every step waits for a DOM state (never a
 * sleep) and saves a screenshot under test/artifacts/.
 */
import t from 'tap';
import { insertApiKey } from '../../src/db/api-keys.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { startE2eStack } from '../helpers/e2e-stack.ts';
import { logIn, newPage, openBrowser, screenshot } from './browser.ts';

t.test('the console in chromium', async (t) => {
  const stack = await startE2eStack(t, { env: { ALLOW_PRIVATE_DESTINATIONS: 'true', ALERT_EVALUATE_SECONDS: '1' } });
  const db = stack.db.db;
  // A pull that fails at once (its table does not exist), and an alert after one failure.
  await db
    .insertInto('sync_entity_config')
    .values({
      tenant_id: 'default',
      entity_type: 'ROTA',
      erp_type: 'AXIOMA',
      direction: 'IN',
      primary_key: 'Id',
      queries: JSON.stringify({ select_all: 'SELECT Id FROM TablaQueNoExiste' }),
      field_mapping: JSON.stringify({ erp_to_hub: { Id: 'id' } }),
    })
    .execute();
  await db.insertInto('sync_alert_threshold').values({ tenant_id: 'default', pull_failures: 1 }).execute();
  const browser = await openBrowser(t);

  await t.test('log in: a bad key is refused, the admin key opens the overview', async (t) => {
    const page = await newPage(browser);
    await page.goto(`${stack.base}/console`);
    await page.fill('#login-key', 'sk_live_' + 'x'.repeat(43));
    await page.click('#login-submit');
    await page.waitForSelector('#login-message .notice-error');
    t.match(await page.textContent('#login-message'), /Clave desconocida o revocada/);
    await screenshot(page, 'console-login');
    await page.fill('#login-key', stack.keys.admin);
    await page.click('#login-submit');
    await page.waitForSelector('#page-overview #overview-table table');
    t.match(await page.textContent('#role'), /operador/);
    const cookies = await page.context().cookies();
    t.match(cookies, [{ name: 'ps_session', httpOnly: true, sameSite: 'Strict' }]);
    t.notOk(await page.evaluate(() => document.cookie.includes('ps_session')), 'the session cookie is not readable by scripts');
    await page.close();
  });

  await t.test('"Ejecutar ahora" takes PROVEEDOR from "nunca ejecutada" to "ok"', async (t) => {
    const page = await newPage(browser);
    await logIn(page, stack.base, stack.keys.admin);
    const row = page.locator('tr[data-entity="PROVEEDOR"][data-erp="AXIOMA"]');
    t.equal(await row.locator('.state').getAttribute('data-state'), 'never');
    t.equal((await row.locator('.state').textContent())?.trim(), 'nunca ejecutada');
    await row.locator('button.run-now').click();
    await page.waitForSelector('#overview-message .notice-ok');
    await page.waitForSelector('tr[data-entity="PROVEEDOR"][data-erp="AXIOMA"] .state[data-state="ok"]');
    t.equal((await row.locator('.state').textContent())?.trim(), 'ok');
    t.match(await row.textContent(), /30 \/ 30 \/ 0/, 'rows read / changed / deleted as the API sent them');
    await screenshot(page, 'console-overview');
    await page.close();
  });

  await t.test('a failing entity raises an alert shown on the overview', async (t) => {
    const page = await newPage(browser);
    await logIn(page, stack.base, stack.keys.admin);
    await page.locator('tr[data-entity="ROTA"] button.run-now').click();
    await page.waitForSelector('tr[data-entity="ROTA"] .state[data-state="failed"]');
    await page.waitForSelector('tr[data-entity="ROTA"] .alert[data-alert="pull_failing"]');
    t.match(await page.textContent('tr[data-entity="ROTA"] .alerts-cell'), /la lectura falla/);
    t.match(await page.textContent('tr[data-entity="ROTA"]'), /tablaquenoexiste/i, 'the error is shown');
    await screenshot(page, 'console-alert');
    await page.close();
  });

  await t.test('queue: retry a DEAD item', async (t) => {
    const item = await db
      .insertInto('sync_queue')
      .values({
        tenant_id: 'default',
        source: 'HUB',
        destination: 'ERP',
        entity_type: 'ORDEN_COMPRA',
        entity_id: 'OC-DEAD-1',
        action: 'CREATE',
        status: 'DEAD',
        error_message: 'SQL Server error 547: conflicto de clave foránea',
        payload: JSON.stringify({ numero: 'OC-DEAD-1' }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const page = await newPage(browser);
    await logIn(page, stack.base, stack.keys.admin);
    await page.click('#nav-queue');
    await page.selectOption('#queue-status', 'DEAD');
    await page.click('#queue-filters button[type=submit]');
    const row = page.locator(`tr[data-id="${item.id}"]`);
    await row.waitFor();
    t.match(await page.textContent('#queue-errors'), /SQL Server error 547: conflicto de clave foránea/, 'errors grouped by message');
    await screenshot(page, 'console-queue');
    await row.locator('button.retry-one').click();
    await page.waitForSelector('#queue-message .notice-ok');
    t.match(await page.textContent('#queue-message'), /1 ítem\(s\) vuelven a la cola/);
    const log = await db
      .selectFrom('sync_log')
      .select('message')
      .where('sync_queue_id', '=', item.id)
      .where('status', '=', 'INFO')
      .execute();
    // What the worker does next (push, maybe DEAD again) is the queue's business: the retry itself is logged.
    t.ok(
      log.some((l) => l.message === 'manual retry (was DEAD)'),
      'the manual retry is in sync_log',
    );

    // Discard another one through the checkbox and the bulk button, confirming the question.
    const other = await db
      .insertInto('sync_queue')
      .values({
        tenant_id: 'default',
        source: 'HUB',
        destination: 'ERP',
        entity_type: 'ORDEN_COMPRA',
        entity_id: 'OC-DEAD-2',
        action: 'CREATE',
        status: 'DEAD',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await page.click('#queue-filters button[type=submit]');
    await page.locator(`tr[data-id="${other.id}"] input[type=checkbox]`).check();
    page.once('dialog', (d) => void d.accept());
    await page.click('#queue-discard-selected');
    await page.waitForSelector('#queue-message:has-text("descartados")');
    const discarded = await db.selectFrom('sync_queue').select('status').where('id', '=', other.id).executeTakeFirstOrThrow();
    t.equal(discarded.status, 'DISCARDED');
    await page.close();
  });

  await t.test('ERP connection: a wrong password, "Probar conexión" shows the advice for 18456', async (t) => {
    const page = await newPage(browser);
    await logIn(page, stack.base, stack.keys.admin);
    await page.click('#nav-erp');
    await page.waitForSelector('#erp-form');
    await page.fill('#erp-password', 'contraseña-equivocada');
    await page.click('#erp-save');
    await page.waitForSelector('#erp-message .notice-ok');
    await page.click('#erp-test');
    await page.waitForSelector('#erp-checks [data-check="login"][data-status="fail"]');
    t.match(await page.textContent('#erp-checks [data-check="login"] .next-step'), /La contraseña o el usuario son incorrectos/);
    t.match(await page.textContent('#erp-checks [data-check="login"] .mark'), /✘/);
    await screenshot(page, 'console-erp-test');
    // The right password again: the next steps read from the ERP.
    await page.fill('#erp-password', stack.erp.options.password);
    await page.click('#erp-save');
    await page.waitForSelector('#erp-message:has-text("versión 3")');
    await page.click('#erp-test');
    await page.waitForSelector('#erp-checks [data-check="login"][data-status="ok"]');
    await page.close();
  });

  await t.test('entities: edit a config twice and restore the first edit from the history', async (t) => {
    const page = await newPage(browser);
    await logIn(page, stack.base, stack.keys.admin);
    await page.click('#nav-entities');
    await page.locator('tr[data-entity="SECTOR"][data-erp="AXIOMA"] button.open-config').click();
    await page.waitForSelector('#config-json');
    const edit = async (cron: string) => {
      const json = JSON.parse(await page.inputValue('#config-json'));
      await page.fill('#config-json', JSON.stringify({ ...json, sync_frequency: cron }, null, 2));
      await page.click('#config-save');
      await page.waitForSelector(`#config-history tbody tr:nth-child(${cron === '0 4 * * *' ? 1 : 2})`);
    };
    await edit('0 4 * * *');
    await edit('0 5 * * *');
    t.equal(await page.locator('#config-history tbody tr').count(), 2);
    const current = () =>
      db
        .selectFrom('sync_entity_config')
        .select('sync_frequency')
        .where('tenant_id', '=', 'default')
        .where('entity_type', '=', 'SECTOR')
        .executeTakeFirstOrThrow();
    t.equal((await current()).sync_frequency, '0 5 * * *');
    // Newest first: the second row is the first edit.
    await page.locator('#config-history tbody tr:nth-child(2) button.restore').click();
    await page.waitForSelector('#config-history tbody tr:nth-child(3)');
    t.match(await page.textContent('#config-message'), /restaurada/);
    t.equal((await current()).sync_frequency, '0 4 * * *', 'the previous version is back');
    t.match(await page.inputValue('#config-schedule'), '0 4 * * *');
    await screenshot(page, 'console-entities');
    await page.close();
  });

  await t.test('logs: filtered by entity, the live tail shows a new line without reloading', async (t) => {
    const page = await newPage(browser);
    await logIn(page, stack.base, stack.keys.admin);
    await page.click('#nav-logs');
    await page.fill('#logs-entity', 'PROVEEDOR');
    await page.click('#page-logs form.filters button[type=submit]');
    await page.waitForSelector('#logs-items tr[data-status="SUCCESS"]');
    await page.check('#logs-live');
    await db
      .insertInto('sync_log')
      .values({
        tenant_id: 'default',
        entity_type: 'PROVEEDOR',
        action: 'NOTE',
        direction: 'IN',
        status: 'INFO',
        message: 'línea nueva en vivo',
      })
      .execute();
    await page.waitForSelector('#logs-items td:has-text("línea nueva en vivo")');
    t.pass('the new line appeared');
    await screenshot(page, 'console-logs');
    await page.close();
  });

  await t.test('entities: "Validar" dry-runs the edited config on the ERP; disable and enable', async (t) => {
    const page = await newPage(browser);
    await logIn(page, stack.base, stack.keys.admin);
    await page.click('#nav-entities');
    await page.locator('tr[data-entity="PAGO"][data-erp="AXIOMA"] button.open-config').click();
    await page.waitForSelector('#config-json');
    await page.click('#config-validate');
    await page.waitForSelector('#config-checks');
    t.equal(await page.locator('#config-checks .check-fail').count(), 0, 'the seeded query passes');
    const json = JSON.parse(await page.inputValue('#config-json'));
    json.queries.select_all = 'SELECT NroPago FROM PagosQueNoExisten';
    await page.fill('#config-json', JSON.stringify(json));
    await page.click('#config-validate');
    await page.waitForSelector('#config-checks .check-fail');
    t.match(await page.textContent('#config-checks'), /pagosquenoexisten/i);
    const enabled = () =>
      db
        .selectFrom('sync_entity_config')
        .select('enabled')
        .where('tenant_id', '=', 'default')
        .where('entity_type', '=', 'PAGO')
        .where('erp_type', '=', 'AXIOMA')
        .executeTakeFirstOrThrow();
    t.equal((await enabled()).enabled, true, 'validating saved nothing');
    await page.click('#config-toggle');
    await page.waitForSelector('#config-toggle:text-is("Habilitar")');
    t.equal((await enabled()).enabled, false, 'disabled');
    await page.click('#config-toggle');
    await page.waitForSelector('#config-toggle:text-is("Deshabilitar")');
    t.equal((await enabled()).enabled, true, 'enabled again');
    await page.close();
  });

  await t.test('viewer: sees the pages, every change disabled and refused by the server', async (t) => {
    const k = generateApiKey();
    await insertApiKey(db, { tenantId: 'default', hash: k.hash, prefix: k.prefix, scopes: ['viewer'] });
    const page = await newPage(browser);
    await logIn(page, stack.base, k.raw);
    t.match(await page.textContent('#role'), /solo lectura/);
    t.ok(await page.locator('tr[data-entity="PROVEEDOR"][data-erp="AXIOMA"] button.run-now').isDisabled(), '"Ejecutar ahora" disabled');
    const before = await db
      .selectFrom('sync_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    // The server refuses anyway: the page's own fetch, with the session's CSRF token.
    const status = await page.evaluate(async () => {
      const s = await (await fetch('/console/api/session')).json();
      const r = await fetch('/api/v1/sync/run?entity=PROVEEDOR', { method: 'POST', headers: { 'x-csrf-token': s.csrf_token } });
      return r.status;
    });
    t.equal(status, 403);
    const after = await db
      .selectFrom('sync_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    t.equal(after.n, before.n, 'nothing written');
    await page.click('#nav-entities');
    await page.locator('tr[data-entity="SECTOR"][data-erp="AXIOMA"] button.open-config').click();
    await page.waitForSelector('#config-json');
    t.ok(await page.locator('#config-save').isDisabled());
    t.ok(await page.locator('#config-json').isDisabled());
    await page.click('#nav-overview');
    await page.waitForSelector('#page-overview #overview-table table');
    await screenshot(page, 'console-viewer');
    await page.close();
  });

  await t.test('English is selectable and kept; dates in the tenant time zone', async (t) => {
    const page = await newPage(browser);
    await logIn(page, stack.base, stack.keys.admin);
    await page.selectOption('#lang', 'en');
    await page.waitForSelector('#nav-overview:text("Overview")');
    await page.reload();
    await page.waitForSelector('tr[data-entity="PROVEEDOR"][data-erp="AXIOMA"] .state[data-state="ok"]');
    t.equal((await page.locator('tr[data-entity="PROVEEDOR"][data-erp="AXIOMA"] .state').textContent())?.trim(), 'ok');
    t.equal(await page.textContent('#nav-queue'), 'Queue');
    // Dates in the tenant's zone, not the browser's: a +05:30 zone shows the run at its own wall time.
    await db.updateTable('sync_tenant').set({ timezone: 'Asia/Kolkata' }).where('id', '=', 'default').execute();
    await page.reload();
    await page.waitForSelector('tr[data-entity="PROVEEDOR"][data-erp="AXIOMA"] .state[data-state="ok"]');
    t.match(await page.textContent('#tenant'), /Asia\/Kolkata/);
    const run = await db
      .selectFrom('sync_log')
      .select('completed_at')
      .where('entity_type', '=', 'PROVEEDOR')
      .where('action', '=', 'PULL')
      .where('phase', '=', 'process')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const expected = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Kolkata',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).format(run.completed_at!);
    t.match(await page.textContent('tr[data-entity="PROVEEDOR"][data-erp="AXIOMA"]'), expected, `last run shown as ${expected}`);
    const csp = await page.evaluate(async () => (await fetch('/console')).headers.get('content-security-policy'));
    t.match(csp, /script-src 'self'/);
    t.notMatch(csp, /unsafe-inline/);
    await page.close();
  });
});
