import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely/migration';
import pg from 'pg';
import type { Database } from './schema.ts';

/** db/migrations at the repository root. */
const MIGRATIONS_DIR = fileURLToPath(new URL('../../db/migrations/', import.meta.url));

/** Serves numbered plain-SQL files (`0001_name.sql`) as Kysely migrations, in name order. */
export class SqlFileMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string = MIGRATIONS_DIR) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      // Our own files from db/migrations, run by the owner role: never text a tenant wrote.
      const text = await readFile(path.join(this.dir, file), 'utf8');
      migrations[file.replace(/\.sql$/, '')] = { up: async (db) => void (await sql.raw(text).execute(db)) };
    }
    return migrations;
  }
}

/** Migration files not yet applied: lets a process without the owner's URL refuse an outdated schema. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const names = Object.keys(await new SqlFileMigrationProvider().getMigrations());
  const applied = await sql<{ name: string }>`select name from kysely_migration`
    .execute(db)
    .then((r) => new Set(r.rows.map((row) => row.name)))
    .catch(() => new Set<string>()); // no bookkeeping table yet: nothing applied
  return names.filter((n) => !applied.has(n));
}

// An arbitrary, fixed advisory-lock key that only parse-sync migrations take.
const MIGRATION_LOCK_KEY = 7_140_221_901;

/**
 * Runs pending migrations. A session-level advisory lock on a dedicated connection
 * serialises processes that start together (server + worker), including the creation
 * of Kysely's own bookkeeping tables, which its built-in lock does not cover.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  url: string,
  opts: { /** More schema work that must run under the same lock (pg-boss's own schema). */ alsoUnderLock?: () => Promise<void> } = {},
): Promise<MigrationResultSet> {
  const lock = new pg.Client({ connectionString: url });
  lock.on('error', () => {});
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const result = await new Migrator({ db, provider: new SqlFileMigrationProvider() }).migrateToLatest();
    if (result.error) {
      const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`migration ${failed} failed`, { cause: result.error });
    }
    await opts.alsoUnderLock?.();
    return result;
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await lock.end().catch(() => {});
  }
}
