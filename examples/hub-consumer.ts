/**
 * A runnable Hub-side sync job (seed 000 phase 3) built on `parse-sync/client`:
 *   - pulls suppliers and payments from parse-sync and upserts them into the Hub's own tables;
 *   - sends an approved purchase order (idempotently, under its own number);
 *   - receives the signed webhooks and stores the ERP's id of each order on `sync.completed`.
 *
 *   PARSE_URL=http://127.0.0.1:3000 PARSE_HUB_KEY=sk_live_… PARSE_WEBHOOK_SECRET=whsec_… \
 *   HUB_DATABASE_URL=postgres://…/hub WEBHOOK_PORT=4000 node --import tsx examples/hub-consumer.ts
 *
 * The Hub's database here is any PostgreSQL; the tables are created if missing.
 */
import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { createHubClient, verifyWebhook, type HubClient } from '../src/client/index.ts';

const HUB_TABLES = `
  create table if not exists hub_proveedores (id text primary key, datos jsonb not null, activo boolean not null, sincronizado timestamptz not null default now());
  create table if not exists hub_pagos (id text primary key, datos jsonb not null, sincronizado timestamptz not null default now());
  create table if not exists hub_ordenes (numero text primary key, datos jsonb not null, sync_id text, erp_id text, estado text not null default 'APROBADA');
  create table if not exists hub_webhooks_vistos (id text primary key)`;

export async function prepareHubTables(db: pg.Pool): Promise<void> {
  await db.query(HUB_TABLES);
}

/** One pass: every pending supplier and payment, upserted; each item acknowledged after it is stored. */
export async function pullFromErp(client: HubClient, db: pg.Pool): Promise<{ proveedores: number; pagos: number }> {
  let proveedores = 0;
  for await (const item of client.inbound('PROVEEDOR')) {
    await db.query(
      `insert into hub_proveedores (id, datos, activo) values ($1, $2, $3)
       on conflict (id) do update set datos = excluded.datos, activo = excluded.activo, sincronizado = now()`,
      [item.entity_id, JSON.stringify(item.payload ?? {}), item.action !== 'DELETE'],
    );
    proveedores++;
  }
  let pagos = 0;
  for await (const item of client.inbound('PAGO')) {
    await db.query(
      `insert into hub_pagos (id, datos) values ($1, $2) on conflict (id) do update set datos = excluded.datos, sincronizado = now()`,
      [item.entity_id, JSON.stringify(item.payload ?? {})],
    );
    pagos++;
  }
  return { proveedores, pagos };
}

/** Sends an approved purchase order; its number is the Idempotency-Key, so a re-run sends nothing twice. */
export async function sendApprovedOrder(
  client: HubClient,
  db: pg.Pool,
  order: { numero: string } & Record<string, unknown>,
): Promise<string> {
  await db.query(`insert into hub_ordenes (numero, datos) values ($1, $2) on conflict (numero) do nothing`, [
    order.numero,
    JSON.stringify(order),
  ]);
  const sent = await client.sendOutbound(
    'ORDEN_COMPRA',
    { entity_id: order.numero, action: 'CREATE', payload: order },
    { idempotencyKey: `oc-${order.numero}` },
  );
  await db.query(`update hub_ordenes set sync_id = $2, estado = 'ENVIADA' where numero = $1`, [order.numero, sent.sync_id]);
  return sent.sync_id;
}

/** The Hub's webhook endpoint: verifies, de-duplicates on webhook-id, records the ERP id. */
export function startWebhookReceiver(db: pg.Pool, secret: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const event = await verifyWebhook(req.headers, Buffer.concat(chunks), secret);
          const fresh = await db.query('insert into hub_webhooks_vistos (id) values ($1) on conflict do nothing', [event.id]);
          if (fresh.rowCount && event.type === 'sync.completed' && event.data.entity_type === 'ORDEN_COMPRA') {
            await db.query(`update hub_ordenes set erp_id = $2, estado = 'EN_ERP' where numero = $1`, [
              event.data.entity_id,
              event.data.external_id,
            ]);
          }
          if (fresh.rowCount && event.type === 'sync.failed') {
            await db.query(`update hub_ordenes set estado = 'ERROR' where numero = $1`, [event.data.entity_id]);
          }
          res.writeHead(204).end();
        } catch {
          res.writeHead(400).end();
        }
      })();
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

async function main(): Promise<void> {
  const need = (name: string) => process.env[name] ?? (console.error(`set ${name}`), process.exit(2));
  const client = createHubClient({ baseUrl: need('PARSE_URL'), apiKey: need('PARSE_HUB_KEY') });
  const db = new pg.Pool({ connectionString: need('HUB_DATABASE_URL'), max: 4 });
  await prepareHubTables(db);
  await startWebhookReceiver(db, need('PARSE_WEBHOOK_SECRET'), Number(process.env.WEBHOOK_PORT ?? 4000));
  const pulled = await pullFromErp(client, db);
  console.log(`proveedores: ${pulled.proveedores}, pagos: ${pulled.pagos}; webhooks en 127.0.0.1:${process.env.WEBHOOK_PORT ?? 4000}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
