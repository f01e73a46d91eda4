/**
 * docker-compose.yml without a Docker daemon: valid against the official Compose Specification schema
 * (vendored in ./compose-spec, see SOURCE.md), plus the rules of our deployment (issue 16 §4).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json' with { type: 'json' };
import { startTestApi } from '../helpers/api.ts';
import { freePort } from '../helpers/processes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: (string | { host_ip?: string; published?: string | number })[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
}

async function composeFile(): Promise<{ text: string; doc: { services: Record<string, Service> } }> {
  const text = await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  return { text, doc: parse(text, { merge: true }) as { services: Record<string, Service> } };
}

t.test('docker-compose.yml is valid against the Compose Specification schema', async (t) => {
  const schema = JSON.parse(await readFile(path.join(import.meta.dirname, 'compose-spec/compose-spec.json'), 'utf8')) as object;
  // The spec marks fields `deprecated` (a later JSON Schema keyword); it does not constrain anything.
  const ajv = new Ajv({ allErrors: true, strict: false });
  // It names draft-07 by its https URL, which ajv knows only as http://…#: the same meta-schema under that name too.
  ajv.addMetaSchema({ ...draft07, $id: 'https://json-schema.org/draft-07/schema' });
  const validate = ajv.compile(schema);
  const { doc } = await composeFile();
  t.ok(validate(doc), validate.errors ? JSON.stringify(validate.errors, null, 2) : 'docker-compose.yml is valid');

  // The validator is not a rubber stamp: a misspelt key and a wrong type fail.
  t.notOk(validate({ services: { server: { image: 'x', restrat: 'always' } } }), 'unknown service key refused');
  t.notOk(validate({ services: { server: { image: 'x', ports: 3000 } } }), 'ports that are not a list refused');
});

t.test('our rules: stable secret from the env file, healthchecks, restart policies, loopback ports, no superuser', async (t) => {
  const { doc } = await composeFile();
  const services = Object.entries(doc.services);
  t.ok(services.length >= 3);
  for (const [name, s] of services) {
    t.ok(s.healthcheck?.test && !s.healthcheck.disable, `${name} has a healthcheck`);
    t.ok(s.restart && s.restart !== 'no', `${name} has a restart policy`);
    for (const p of s.ports ?? []) {
      const hostIp = typeof p === 'string' ? p.split(':')[0] : p.host_ip;
      t.equal(hostIp, '127.0.0.1', `${name} publishes ${JSON.stringify(p)} on loopback only`);
    }
    const run = JSON.stringify([s.command, s.entrypoint, s.healthcheck?.test]);
    t.notMatch(run, /openssl|randomBytes|\/dev\/urandom|SYNC_SECRET_KEY=/, `${name} never generates a secret`);
  }
  const app = services.filter(([, s]) => s.environment?.DATABASE_URL !== undefined);
  t.same(app.map(([n]) => n).sort(), ['server', 'worker']);
  for (const [name, s] of app) {
    const env = s.environment!;
    // `${VAR:?…}`: taken from the .env file (or the shell), and compose refuses to start without it.
    t.match(env.SYNC_SECRET_KEY, /^\$\{SYNC_SECRET_KEY:\?[^}]+\}$/, `${name}: SYNC_SECRET_KEY comes from the env file, required`);
    const users = Object.values(env)
      .filter((v): v is string => typeof v === 'string' && v.startsWith('postgres://'))
      .map((v) => /^postgres:\/\/([^:@]+)/.exec(v)![1]);
    t.ok(users.length > 0);
    for (const u of users) t.ok(['parse_sync_app', 'parse_sync_owner'].includes(u!), `${name} connects as ${u}, not a superuser`);
    t.equal(/^postgres:\/\/([^:@]+)/.exec(String(env.DATABASE_URL))![1], 'parse_sync_app', `${name} runs as the runtime role`);
  }
});

t.test('the server and worker healthchecks run: healthy against a live server / a fresh heartbeat, unhealthy otherwise', async (t) => {
  const { doc } = await composeFile();
  const api = await startTestApi(t);
  // Compose writes a literal `$` as `$$`; the container's shell sees one.
  const unescape = (s: string) => s.replaceAll('$$', '$');
  const exitCode = (cmd: string, args: string[], env: Record<string, string> = {}) =>
    run(cmd, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }).then(
      () => 0,
      (e: { code?: number }) => e.code ?? -1,
    );

  const server = doc.services.server!.healthcheck!.test as string[];
  t.same(server.slice(0, 3), ['CMD', 'node', '-e']);
  const probeAt = (base: string) => server[3]!.replace('http://127.0.0.1:3000', base);
  t.equal(await exitCode(process.execPath, ['-e', probeAt(api.base)]), 0, 'server healthy');
  t.equal(await exitCode(process.execPath, ['-e', probeAt(`http://127.0.0.1:${await freePort()}`)]), 1, 'no server: unhealthy');

  const worker = doc.services.worker!.healthcheck!.test as string[];
  t.equal(worker[0], 'CMD-SHELL');
  const check = () => exitCode('sh', ['-c', unescape(worker[1]!)], { DATABASE_URL: api.db.url });
  t.equal(await check(), 1, 'no heartbeat: unhealthy');
  await api.db.pool.query(
    `insert into sync_worker_heartbeat (worker_id, hostname, pid, started_at, beat_at) values ('w1', $1, 1, now(), now())`,
    [os.hostname()],
  );
  t.equal(await check(), 0, 'a fresh heartbeat of this host, read as the runtime role: healthy');
  await api.db.pool.query(`update sync_worker_heartbeat set beat_at = now() - interval '10 minutes'`);
  t.equal(await check(), 1, 'a stale heartbeat: unhealthy');
});
