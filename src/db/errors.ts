/**
 * Errors that mean "the database is not reachable right now" rather than "this request is wrong":
 * the connection was refused, reset or terminated (failover, `pg_terminate_backend`), the server is
 * shutting down or starting, or no connection could be had in time. Requests that meet one answer
 * 503 (src/plugins/problem.ts) and the connection they held is dropped from the pool.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01', // admin_shutdown (pg_terminate_backend, fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '25P03', // idle_in_transaction_session_timeout: the server ended a session gone silent mid-transaction
  '53300', // too_many_connections
]);

/** Class 08: connection exceptions. */
const CONNECTION_CLASS = /^08/;

const CONNECTION_MESSAGES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended|connection timeout|Query read timeout/i;

/** The database is there but too slow: a statement or lock wait ran out of time. */
const TIMEOUT_CODES = new Set([
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available (lock_timeout)
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || CONNECTION_CLASS.test(e.code))) {
      return true;
    }
    if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** A statement or a lock wait ran past its time limit (the connection itself is fine). */
export function isDatabaseTimeout(err: unknown): boolean {
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string' && TIMEOUT_CODES.has(e.code)) return true;
  }
  return false;
}

/** A unique index refused the row (23505); `index`: only that one. */
export function isUniqueViolation(err: unknown, index?: string): boolean {
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (e.code === '23505') return !index || e.constraint === index || String(e.message).includes(index);
  }
  return false;
}
