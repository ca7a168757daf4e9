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
