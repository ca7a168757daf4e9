import { type SQL, and, eq, gt, lt, or } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { badRequest } from './errors.js';
import { unstorableText } from './text.js';

/** Opaque keyset cursors: base64url of the sort key of the last item returned. */
export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

const notACursor = () =>
  badRequest('The cursor is not valid', [
    { path: 'querystring.cursor', message: 'not a cursor from this API' },
  ]);

/** A cursor part: a short well-formed string without NUL, or a safe integer (what pageOf ever writes). */
const isCursorPart = (v: unknown) =>
  (typeof v === 'string' && v.length <= 200 && unstorableText(v) === null) ||
  (typeof v === 'number' && Number.isSafeInteger(v));

/**
 * No cursor: the first page. A cursor the service did not issue: 400, never a database error, so
 * every part is checked here (callers check what each part means: a time, a uuid...).
 */
export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | null {
  if (!cursor) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw notACursor();
  }
  if (Array.isArray(parsed) && parsed.length === arity && parsed.every(isCursorPart)) {
    return parsed as (string | number)[];
  }
  throw notACursor();
}

const INSTANT = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A time as pageOf writes it (`toISOString()`): exactly that form, and a real instant. */
export function isCursorInstant(v: unknown): v is string {
  return typeof v === 'string' && INSTANT.test(v) && !Number.isNaN(Date.parse(v));
}

export const isCursorUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

export type TimeCursor = { at: Date; id: string };

/** Decodes a (time, id) cursor as issued by pageOf with `[row.time.toISOString(), row.id]`. */
export function decodeTimeCursor(cursor: string | undefined): TimeCursor | null {
  const c = decodeCursor(cursor, 2);
  if (!c) return null;
  if (!isCursorInstant(c[0]) || !isCursorUuid(c[1])) throw notACursor();
  return { at: new Date(c[0]), id: c[1] };
}

/** Rows fetched with limit + 1: the extra one only says whether there is a next page. */
export function pageOf<T>(rows: T[], limit: number, key: (row: T) => (string | number)[]) {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? encodeCursor(key(items[items.length - 1])) : null;
  return { items, nextCursor };
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
