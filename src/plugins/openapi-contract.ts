import type { RouteOptions } from 'fastify';
import { PURPOSES } from '../access/roles.js';
import { MAX_INPUT_ARRAY_ITEMS, MAX_INPUT_STRING_LENGTH } from './input-guard.js';

/**
 * What the OpenAPI document says beyond the zod schemas, decided once per route so that the
 * document and the runtime contract check (openapi.ts, `onContractViolation`) agree: the statuses
 * an operation can answer, the headers it reads and the headers each response carries.
 */

export const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: a parameter, header or body field is malformed (problem+json lists each field in errors)',
  401: 'Missing or invalid bearer token',
  403: 'The role, scope or organisation of the caller may not take this action',
  404: 'Not found, or not available to the caller (the same answer either way)',
  409: 'Conflicts with the current state (a stage, a status, or the same Idempotency-Key still running)',
  412: 'If-Match does not match the current version: read it again',
  413: 'Body larger than 1 MiB',
  415: 'Unsupported media type (send application/json)',
  422: 'Understood but refused by a rule (e.g. a time in the future, or an Idempotency-Key reused with another body)',
  428: 'If-Match required: send the ETag of the version you read',
  429: 'Rate limit reached (per token holder, or per address without a valid token); retry after Retry-After seconds',
  500: 'Internal error',
  503: 'Database unavailable or too slow; retry after Retry-After seconds',
};

/**
 * Statuses an operation answers beyond the ones its shape implies (statusesOf), by operationId.
 * Found by the contract check: a test that makes an operation answer a status missing here fails.
 */
export const EXTRA_STATUSES: Record<string, number[]> = {
  // A period that ends before it starts, or spans more than five years.
  getIndicators: [422],
};

/** Response headers beyond the ones the shape implies (responseHeadersOf), by operationId and status. */
export const EXTRA_RESPONSE_HEADERS: Record<string, Record<number, string[]>> = {};

const isProtected = (url: string) => url.startsWith('/v1');
const methodsOf = (route: Pick<RouteOptions, 'method'>) =>
  (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());

type RouteSchema = {
  operationId?: string;
  params?: unknown;
  body?: unknown;
  headers?: { shape?: Record<string, unknown> };
  response?: Record<string, unknown>;
};

function readsHeader(schema: RouteSchema, name: string): boolean {
  return Boolean(schema.headers?.shape && name in schema.headers.shape);
}

/** The statuses an operation can answer, from its shape (protected, has a path id, a body, If-Match). */
export function statusesOf(route: Pick<RouteOptions, 'url' | 'method'> & { schema?: unknown }): number[] {
  const schema = (route.schema ?? {}) as RouteSchema;
  const statuses = new Set<number>([500]);
  if (!isProtected(route.url)) {
    // A query string or header the probe cannot parse (found by tests/fuzz.test.ts).
    statuses.add(400);
    for (const s of EXTRA_STATUSES[schema.operationId ?? ''] ?? []) statuses.add(s);
    return [...statuses].sort();
  }
  const methods = methodsOf(route);
  for (const s of [400, 401, 403, 429, 503]) statuses.add(s);
  if (route.url.includes(':')) statuses.add(404);
  // A body is parsed on any method but GET and HEAD, so its size and media type are checked there
  // (a DELETE sent with a body of another type answers 415, found by tests/fuzz.test.ts).
  if (schema.body || methods.some((m) => m !== 'GET' && m !== 'HEAD')) {
    for (const s of [413, 415]) statuses.add(s);
  }
  if (schema.body || methods.some((m) => m !== 'GET' && m !== 'HEAD' && m !== 'DELETE')) statuses.add(422);
  if (methods.some((m) => m !== 'GET' && m !== 'HEAD')) statuses.add(409);
  // Idempotency-Key on POST: 409 while the first is still running, 422 when reused with another body.
  if (methods.includes('POST')) statuses.add(422);
  if (readsHeader(schema, 'if-match')) {
    statuses.add(412);
    statuses.add(428);
  }
  for (const s of EXTRA_STATUSES[schema.operationId ?? ''] ?? []) statuses.add(s);
  return [...statuses].sort();
}

/** Canonical names of the response headers the contract check compares (lower case as sent). */
export const CHECKED_RESPONSE_HEADERS = ['etag', 'location', 'idempotent-replayed', 'retry-after'];

/**
 * The headers a handler sets itself, read from its source: `reply.header('etag', ...)` and
 * `reply.header('location', ...)` are written in the handlers (src/modules/<name>/routes.ts), so the
 * document declares exactly those. The contract check confirms it at run time for every response
 * the suite sees, and EXTRA_RESPONSE_HEADERS covers a handler that sets one some other way.
 */
function handlerSets(route: { handler?: unknown }, header: string): boolean {
  const source = typeof route.handler === 'function' ? route.handler.toString() : '';
  return new RegExp(`\\.header\\(\\s*['"\`]${header}['"\`]`, 'i').test(source);
}

/**
 * The headers a response carries, by status, beyond X-Request-Id (every response) and the
 * RateLimit headers (every /v1 response while rate limiting is on). Names as in the document.
 */
export function responseHeadersOf(
  route: Pick<RouteOptions, 'url' | 'method'> & { schema?: unknown; handler?: unknown },
  status: number,
): string[] {
  const schema = (route.schema ?? {}) as RouteSchema;
  const headers: string[] = [];
  if (status === 429 || status === 503) headers.push('Retry-After');
  if (status >= 300 && status < 400) headers.push('Location');
  if (status >= 200 && status < 300) {
    if (handlerSets(route, 'etag')) headers.push('ETag');
    if (handlerSets(route, 'location')) headers.push('Location');
    if (isProtected(route.url) && methodsOf(route).includes('POST')) headers.push('Idempotent-Replayed');
  }
  for (const h of EXTRA_RESPONSE_HEADERS[schema.operationId ?? '']?.[status] ?? []) {
    if (!headers.includes(h)) headers.push(h);
  }
  return headers;
}

const ratelimitNote = 'Sent on every /v1 response while rate limiting is on (RATE_LIMIT_ENABLED)';

const int32 = (description: string, min = 0) => ({
  description,
  schema: { type: 'integer', format: 'int32', minimum: min, maximum: 2147483647 },
});

/** Reusable headers (components.headers). */
export const HEADER_COMPONENTS: Record<string, Record<string, unknown>> = {
  'X-Request-Id': {
    description:
      'The request id: the X-Request-Id the client sent when it is 1 to 128 letters, digits, dot, colon, dash or underscore, otherwise a new UUID. Quote it when reporting a problem',
    schema: { type: 'string', maxLength: 128, pattern: '^[\\w.:-]{1,128}$' },
  },
  'RateLimit-Limit': int32(`Requests allowed in the current window. ${ratelimitNote}`),
  'RateLimit-Remaining': int32(`Requests left in the current window. ${ratelimitNote}`),
  'RateLimit-Reset': int32(`Seconds until the window resets. ${ratelimitNote}`, 1),
  'RateLimit-Policy': {
    description: `The limit and window in seconds, e.g. \`600;w=60\`. ${ratelimitNote}`,
    schema: { type: 'string', maxLength: 64, pattern: '^\\d+;w=\\d+$' },
  },
  'Retry-After': int32('Seconds to wait before trying again', 1),
  ETag: {
    description: 'Strong entity tag of the version returned; send it as If-Match to change the resource',
    schema: { type: 'string', maxLength: 24, pattern: '^"\\d+"$' },
  },
  Location: {
    description: 'Path of the resource created, or where a redirect points',
    schema: { type: 'string', format: 'uri-reference', maxLength: 300 },
  },
  'Idempotent-Replayed': {
    description:
      'Present (true) when this is the stored response to an earlier request with the same Idempotency-Key and body',
    schema: { type: 'string', enum: ['true'] },
  },
};

/** Reusable request headers (components.parameters). */
export const PARAMETER_COMPONENTS: Record<string, Record<string, unknown>> = {
  IdempotencyKey: {
    in: 'header',
    name: 'Idempotency-Key',
    required: false,
    description:
      'Makes a POST safe to retry: a retry with the same key and body within 24 hours gets the first response again (Idempotent-Replayed: true); the same key with another body answers 422; while the first is still running, 409',
    schema: { type: 'string', minLength: 8, maxLength: 128, pattern: '^[\\w.:-]{8,128}$' },
  },
  PurposeOfUse: {
    in: 'header',
    name: 'Purpose-Of-Use',
    required: false,
    description:
      "Why the caller needs the data; default the role's usual purpose. The access decision allows a purpose only to the roles it belongs to",
    schema: { type: 'string', enum: [...PURPOSES] },
  },
  CourtOrderReference: {
    in: 'header',
    name: 'Court-Order-Reference',
    required: false,
    description:
      'The court order that stands in for consent, or lets the sealing court reach a sealed case; the access decision checks it',
    schema: { type: 'string', minLength: 1, maxLength: 200 },
  },
  RequestId: {
    in: 'header',
    name: 'X-Request-Id',
    required: false,
    description:
      'A request id of your own (1 to 128 letters, digits, dot, colon, dash or underscore), echoed back',
    schema: { type: 'string', maxLength: 128, pattern: '^[\\w.:-]{1,128}$' },
  },
};

export interface RouteContract {
  method: string;
  path: string;
  statuses: number[];
  headers: Record<number, string[]>;
}

/** Fastify's `/v1/cases/:id` as OpenAPI's `/v1/cases/{id}`. */
export const openapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

const REF_PREFIX = '#/components/schemas/';
type Json = any;

function walk(value: Json, visit: (node: Record<string, Json>) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  visit(value);
  for (const v of Object.values(value)) walk(v, visit);
}

function refsIn(value: Json): Set<string> {
  const refs = new Set<string>();
  walk(value, (node) => {
    if (typeof node.$ref === 'string' && node.$ref.startsWith(REF_PREFIX))
      refs.add(node.$ref.slice(REF_PREFIX.length));
  });
  return refs;
}

function reachable(doc: Json, roots: Json): Set<string> {
  const seen = new Set<string>();
  const queue = [...refsIn(roots)];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const r of refsIn(doc.components.schemas[name])) if (!seen.has(r)) queue.push(r);
  }
  return seen;
}

function renameRefs(value: Json, renames: Map<string, string>): void {
  walk(value, (node) => {
    if (typeof node.$ref === 'string' && node.$ref.startsWith(REF_PREFIX)) {
      const to = renames.get(node.$ref.slice(REF_PREFIX.length));
      if (to) node.$ref = REF_PREFIX + to;
    }
  });
}

/**
 * One component per shape. fastify-type-provider-zod writes every registered schema twice, as
 * input (`XInput`) and output (`X`); a request uses the one and a response the other. A pair whose
 * two forms are the same keeps one, a shape used only in requests keeps its input form under its
 * own name, and whatever no operation reaches is dropped (e.g. output-only dates typed `{}` as input).
 */
function dedupeComponents(doc: Json): void {
  const schemas: Record<string, Json> = doc.components.schemas;
  const used = reachable(doc, doc.paths);
  const renames = new Map<string, string>();
  for (const name of Object.keys(schemas)) {
    if (!name.endsWith('Input')) continue;
    const base = name.slice(0, -'Input'.length);
    if (!(base in schemas)) continue;
    renames.set(name, base);
  }
  // The input form under the base name when the output form is unused, or when both forms are equal.
  const keepInput = new Map<string, boolean>();
  for (const [input, base] of renames) {
    const inputForm = structuredClone(schemas[input]);
    renameRefs(inputForm, renames);
    const same = JSON.stringify(inputForm) === JSON.stringify(schemas[base]);
    if (same || !used.has(base)) keepInput.set(input, true);
    else if (!used.has(input)) keepInput.set(input, false);
  }
  const applied = new Map<string, string>();
  for (const [input, base] of renames) {
    if (!keepInput.has(input)) continue; // both forms used and different: both stay
    if (keepInput.get(input)) schemas[base] = schemas[input];
    delete schemas[input];
    applied.set(input, base);
  }
  renameRefs(doc.paths, applied);
  renameRefs(schemas, applied);
  const stillUsed = reachable(doc, doc.paths);
  for (const name of Object.keys(schemas)) if (!stillUsed.has(name)) delete schemas[name];
}

function integerFormat(node: Record<string, Json>): string {
  const min = typeof node.minimum === 'number' ? node.minimum : Number.MIN_SAFE_INTEGER;
  const max = typeof node.maximum === 'number' ? node.maximum : Number.MAX_SAFE_INTEGER;
  return min >= -2147483648 && max <= 2147483647 ? 'int32' : 'int64';
}

const hasType = (node: Record<string, Json>, type: string) =>
  node.type === type || (Array.isArray(node.type) && node.type.includes(type));

const FORMAT_MAX_LENGTH: Record<string, number> = {
  uuid: 36,
  date: 10,
  // Dates the service writes: Date.toISOString(), 24 characters; inputs are .max()ed in lib/schemas.ts.
  'date-time': 35,
  email: 254,
};

/**
 * Bounds every string and array and types every integer. A string or array the zod schema leaves
 * unbounded is bounded by the input guard (MAX_INPUT_STRING_LENGTH, MAX_INPUT_ARRAY_ITEMS), which
 * refuses longer input on every route with 400: everything stored came through it, so responses
 * are bounded the same way.
 */
function boundSchemas(value: Json): void {
  walk(value, (node) => {
    if (hasType(node, 'integer') && node.format === undefined) node.format = integerFormat(node);
    if (
      hasType(node, 'string') &&
      node.maxLength === undefined &&
      node.enum === undefined &&
      node.const === undefined
    ) {
      node.maxLength = FORMAT_MAX_LENGTH[node.format] ?? MAX_INPUT_STRING_LENGTH;
    }
    if (hasType(node, 'array') && node.maxItems === undefined) node.maxItems = MAX_INPUT_ARRAY_ITEMS;
  });
}

const humanise = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/ page$/, 's, one page');

function successDescription(status: string, response: Json): string {
  const ref: string | undefined = response?.content?.['application/json']?.schema?.$ref;
  const what = ref ? humanise(ref.slice(REF_PREFIX.length)) : null;
  if (status === '201') return what ? `Created: the ${what}` : 'Created';
  if (status === '202') return what ? `Accepted: the ${what}` : 'Accepted';
  if (status === '204') return 'Done; no content';
  return what ? `The ${what}` : 'Done';
}

/**
 * Finishes the document @fastify/swagger built: one component per shape, bounds and formats,
 * declared request and response headers, Problem responses as application/problem+json, words for
 * every response, and `security: []` on the public operations.
 */
export function finishDocument(doc: Json, contracts: Map<string, RouteContract>): Json {
  dedupeComponents(doc);
  // Partners reach it: not an internal API (OWASP API9, inventory).
  for (const server of doc.servers ?? []) server['x-internal'] = false;
  doc.components.headers = structuredClone(HEADER_COMPONENTS);
  doc.components.parameters = structuredClone(PARAMETER_COMPONENTS);
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const contract = contracts.get(`${method.toUpperCase()} ${path}`);
      const protectedOp = isProtected(path);
      if (!protectedOp) op.security = [];
      const parameters: Json[] = op.parameters ?? [];
      const declared = new Set(parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase()));
      for (const p of parameters) {
        if (p.in === 'header' && p.name.toLowerCase() === 'if-match') {
          p.name = 'If-Match';
          p.schema = { ...p.schema, maxLength: 1000 };
        }
      }
      const add = (component: string) => {
        const name = (PARAMETER_COMPONENTS[component].name as string).toLowerCase();
        if (!declared.has(name)) parameters.push({ $ref: `#/components/parameters/${component}` });
      };
      if (protectedOp && method === 'post') add('IdempotencyKey');
      if (protectedOp) {
        add('PurposeOfUse');
        add('CourtOrderReference');
      }
      add('RequestId');
      op.parameters = parameters;
      for (const [status, response] of Object.entries<Json>(op.responses)) {
        const code = Number(status);
        if (code >= 400) {
          const schema = response.content?.['application/json']?.schema;
          if (schema) response.content = { 'application/problem+json': { schema } };
        } else if (!response.description || response.description === 'Default Response') {
          response.description = successDescription(status, response);
        }
        const headers: Record<string, Json> = {
          'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
        };
        if (protectedOp) {
          for (const h of ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy'])
            headers[h] = { $ref: `#/components/headers/${h}` };
        }
        for (const h of contract?.headers[code] ?? []) headers[h] = { $ref: `#/components/headers/${h}` };
        response.headers = headers;
      }
    }
  }
  boundSchemas(doc.components.schemas);
  boundSchemas(doc.paths);
  return doc;
}
