import type { FastifyRequest } from 'fastify';

/**
 * What may reach a log line. Logs leave the service's access rules behind (they are shipped,
 * searched, kept), so nothing personal goes there: no names, dates of birth, addresses or notes.
 * Three routes by which they got there, each closed here:
 * - request URLs: a search's query string carries the child's name and date of birth
 *   (`GET /v1/persons/matches?givenName=...`); every query value is replaced by `[redacted]`;
 * - database errors: drizzle's error carries the query's parameters, in `params` and in its message
 *   and stack; PostgreSQL's message and detail quote the offending value. Only the SQL text (values
 *   are always parameters), the SQLSTATE and the names of the constraint, table and column are kept;
 * - bodies and objects logged by the code: the paths below are censored wherever they appear.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.givenName',
  '*.familyName',
  '*.displayName',
  '*.dateOfBirth',
  '*.address',
  '*.location',
  '*.guardians',
  '*.notes',
  '*.content',
  '*.summary',
  '*.reason',
];

const REDACTED = '[redacted]';

/** The path as sent, each query value replaced: `/v1/persons/matches?givenName=[redacted]&...`. */
export function redactedUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const name = pair.split('=')[0];
      // a parameter name is chosen by the caller too: keep it only when it looks like one
      return `${/^[\w.-]{1,40}$/.test(name) ? name : '_'}=${REDACTED}`;
    });
  return `${url.slice(0, q)}?${names.join('&')}`;
}

/** Replaces Fastify's request serializer: the URL without query values, and the matched route pattern. */
export function requestForLog(req: FastifyRequest) {
  return {
    method: req.method,
    url: redactedUrl(req.url),
    route: req.routeOptions?.url,
    remoteAddress: req.ip,
  };
}

/** PostgreSQL errors (pg, PGlite) name the SQLSTATE in a five-character `code` and carry a severity. */
const isDatabaseError = (e: Record<string, unknown>) =>
  typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string';

/** drizzle's query error: `query` and `params` (the values), repeated in its message. */
const isQueryError = (e: Record<string, unknown>) => typeof e.query === 'string' && 'params' in e;

/** The stack's frames without its header, which repeats the message. */
const framesOf = (stack: unknown) =>
  typeof stack === 'string' ? stack.slice(Math.max(0, stack.indexOf('\n    at '))).trimStart() : undefined;

/**
 * The error serializer of every log line (`err`): allowlisted fields only, along the cause chain.
 * Messages of our own errors are kept (AppError details never hold personal data); database
 * messages lose their quoted literals, and drizzle's message (which lists the parameters) is dropped.
 */
export function errorForLog(err: Error): { type: string; message: string; stack: string } {
  const out = safeError(err, 0) ?? {};
  return {
    ...out,
    type: String(out.type),
    message: String(out.message ?? ''),
    stack: String(out.stack ?? ''),
  };
}

function safeError(err: unknown, depth: number): Record<string, unknown> | undefined {
  if (!err || typeof err !== 'object' || depth > 4) return undefined;
  const e = err as Record<string, unknown>;
  const type = (e.constructor as { name?: string } | undefined)?.name ?? 'Error';
  const out: Record<string, unknown> = { type };
  // PGlite's errors are both: the query and its parameters on the database error itself
  if (isQueryError(e) || isDatabaseError(e)) {
    out.message = isQueryError(e)
      ? 'Failed query'
      : String(e.message ?? '').replace(/"(?:[^"]|"")*"/g, `"${REDACTED}"`);
    if (typeof e.query === 'string') out.query = e.query;
    for (const k of ['code', 'severity', 'constraint', 'table', 'column', 'dataType', 'routine']) {
      if (e[k] !== undefined) out[k] = e[k];
    }
  } else {
    out.message = e.message;
    for (const k of ['code', 'statusCode', 'status', 'slug']) if (e[k] !== undefined) out[k] = e[k];
  }
  out.stack = framesOf(e.stack);
  const cause = safeError(e.cause, depth + 1);
  if (cause) out.cause = cause;
  return out;
}
