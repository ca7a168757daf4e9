import { type Column, getTableColumns, getTableName } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Executor } from './client.js';

/**
 * Statements written once, for the few that run on every request (the audit row, the rate-limit
 * counter): drizzle builds a statement's text anew on each call, which the P1 profile showed as a
 * tenth of the service's CPU. The text is fixed at startup and only the parameters travel, through
 * the same connection (and transaction) as the executor given, as a named prepared statement where
 * the pool prepares them (src/db/client.ts, PreparingClient). Everything else stays with drizzle.
 */
interface Queryable {
  query(text: string, params: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * The driver client behind a drizzle database or transaction: the pg pool or pool client, or the
 * PGlite instance or transaction. drizzle keeps it on the session of both (node-postgres and pglite
 * drivers); tests/statements.test.ts fails if an upgrade moves it.
 */
function clientOf(db: Executor): Queryable {
  const client = (db as unknown as { session?: { client?: Queryable } }).session?.client;
  if (!client || typeof client.query !== 'function') {
    throw new Error('the database driver does not expose its client (drizzle upgrade?)');
  }
  return client;
}

export async function runStatement<T>(db: Executor, text: string, params: unknown[]): Promise<T[]> {
  const client = clientOf(db);
  // pg names a statement given as a config object (PreparingClient); PGlite takes text and params.
  const result =
    client instanceof pg.Pool || client instanceof pg.Client
      ? await (client as pg.Pool).query({ text, values: params })
      : await client.query(text, params);
  return result.rows as T[];
}

/**
 * INSERTs of one row into `table`, the text built once per set of keys the rows carry (the table's
 * property names); values converted as drizzle converts them (arrays, JSON, dates); columns a row
 * does not name take their defaults.
 */
export function insertStatement<T extends PgTable>(table: T) {
  const all = getTableColumns(table) as Record<string, Column>;
  const shapes = new Map<string, { text: string; columns: { key: string; column: Column }[] }>();
  const shapeOf = (keys: string[]) => {
    const signature = keys.join(',');
    let shape = shapes.get(signature);
    if (!shape) {
      const columns = keys.map((key) => {
        const column = all[key];
        if (!column) throw new Error(`${getTableName(table)} has no column ${key}`);
        return { key, column };
      });
      const names = columns.map((c) => `"${c.column.name}"`).join(', ');
      const params = columns.map((_, i) => `$${i + 1}`).join(', ');
      shape = { text: `INSERT INTO "${getTableName(table)}" (${names}) VALUES (${params})`, columns };
      shapes.set(signature, shape);
    }
    return shape;
  };
  return {
    async run(db: Executor, row: T['$inferInsert']): Promise<unknown[]> {
      const given = row as Record<string, unknown>;
      const { text, columns } = shapeOf(Object.keys(given).filter((k) => given[k] !== undefined));
      return runStatement(
        db,
        text,
        columns.map(({ key, column }) => (given[key] === null ? null : column.mapToDriverValue(given[key]))),
      );
    },
  };
}
