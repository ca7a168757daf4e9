import { type SQL, and, eq, gt, lt, or } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { badRequest } from './errors.js';

/** Opaque keyset cursors: base64url of the sort key of the last item returned. */
export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** No cursor: the first page. A cursor the service did not issue: 400. */
export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | null {
  if (!cursor) return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === arity) return parsed;
  } catch {
    /* fall through */
  }
  throw badRequest('The cursor is not valid', [
    { path: 'querystring.cursor', message: 'not a cursor from this API' },
  ]);
}

/** Rows fetched with limit + 1: the extra one only says whether there is a next page. */
export function pageOf<T>(rows: T[], limit: number, key: (row: T) => (string | number)[]) {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? encodeCursor(key(items[items.length - 1])) : null;
  return { items, nextCursor };
}

export type TimeCursor = { at: Date; id: string };

/** Decodes a (time, id) cursor as issued by pageOf with `[row.time.toISOString(), row.id]`. */
export function decodeTimeCursor(cursor: string | undefined): TimeCursor | null {
  const c = decodeCursor(cursor, 2);
  if (!c) return null;
  const at = new Date(String(c[0]));
  if (Number.isNaN(at.getTime()))
    throw badRequest('The cursor is not valid', [
      { path: 'querystring.cursor', message: 'not a cursor from this API' },
    ]);
  return { at, id: String(c[1]) };
}

/**
 * The keyset condition for lists ordered by (time, id): the rows after the cursor, newest first
 * ('desc') or oldest first ('asc'). Undefined (no condition) for the first page.
 */
export function keysetAfter(
  timeColumn: PgColumn,
  idColumn: PgColumn,
  after: TimeCursor | null,
  direction: 'asc' | 'desc',
): SQL | undefined {
  if (!after) return undefined;
  const beyond = direction === 'desc' ? lt : gt;
  return or(beyond(timeColumn, after.at), and(eq(timeColumn, after.at), beyond(idColumn, after.id)));
}
