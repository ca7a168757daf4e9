import { type SQL, getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { type Executor, rowsOf } from './client.js';

/** Rows per statement: a few MiB of JSON at most, whatever the row. */
const ROWS_PER_STATEMENT = 5_000;

/**
 * Inserts many rows of one table with one statement whose only parameter is the rows as JSON:
 * `INSERT INTO t (cols) SELECT cols FROM json_to_recordset($1::json) AS x(col type, ...)`.
 *
 * drizzle's multi-row `insert().values()` builds a parameter and a placeholder for every cell,
 * which made a bulk import spend two thirds of its CPU building statements and collecting their
 * garbage (bench P5 profile: drizzle 35 %, GC 32 %). Here JSON.stringify does that work in native
 * code, and PostgreSQL (or PGlite) converts each field with its column type's input function.
 *
 * The columns inserted are those a row gives: rows that give the same columns go in one statement,
 * and rows that leave a column out (an event relying on its time's default) go in another, so a
 * default is never replaced by NULL and no given value is dropped. Values travel as
 * JSON does: a Date as its ISO string, an array into an array column, jsonb as it is. Columns left
 * out take their database defaults (ids, times, txid). The statement text depends only on the
 * table and its columns, so its named prepared statement is re-used batch after batch.
 */
export async function insertRecordset<T extends PgTable>(
  tx: Executor,
  table: T,
  rows: T['$inferInsert'][],
  opts: { onConflictDoNothing?: boolean; returning?: SQL } = {},
): Promise<Record<string, unknown>[]> {
  if (!rows.length) return [];
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const shapes = new Map<string, { keys: string[]; rows: T['$inferInsert'][] }>();
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!all[k]) throw new Error(`insertRecordset(${getTableName(table)}): no column ${k}`);
    }
    const keys = Object.keys(all).filter((k) => r[k] !== undefined);
    const signature = keys.join(',');
    const shape = shapes.get(signature) ?? { keys, rows: [] };
    shape.rows.push(row);
    shapes.set(signature, shape);
  }
  const out: Record<string, unknown>[] = [];
  for (const { keys, rows: same } of shapes.values()) {
    const target = sql.raw(keys.map((k) => `"${all[k].name}"`).join(', '));
    const source = sql.raw(keys.map((k) => `x."${k}"`).join(', '));
    const shape = sql.raw(keys.map((k) => `"${k}" ${all[k].getSQLType()}`).join(', '));
    for (let i = 0; i < same.length; i += ROWS_PER_STATEMENT) {
      const chunk =
        i === 0 && same.length <= ROWS_PER_STATEMENT ? same : same.slice(i, i + ROWS_PER_STATEMENT);
      const result = await tx.execute(sql`
        INSERT INTO ${table} (${target})
        SELECT ${source} FROM json_to_recordset(${JSON.stringify(chunk)}::json) AS x(${shape})
        ${opts.onConflictDoNothing ? sql`ON CONFLICT DO NOTHING` : sql``}
        ${opts.returning ? sql`RETURNING ${opts.returning}` : sql``}`);
      if (opts.returning) out.push(...rowsOf<Record<string, unknown>>(result));
    }
  }
  return out;
}
