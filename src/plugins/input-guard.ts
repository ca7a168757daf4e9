import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type FieldError, badRequest } from '../lib/errors.js';
import { unstorableText } from '../lib/text.js';

/** Deeper than any body of this API (the deepest schema nests 4 levels); free-form `details` too. */
export const MAX_INPUT_DEPTH = 32;
/**
 * Bounds for any string and array a schema leaves unbounded (the longest field any schema declares
 * is 20,000 characters); the OpenAPI document states them as maxLength and maxItems.
 */
export const MAX_INPUT_STRING_LENGTH = 20_000;
export const MAX_INPUT_ARRAY_ITEMS = 1_000;

/**
 * Refuses, before schema validation and before any service runs, input the database could not
 * store or the service could not serialise: NUL characters and unpaired surrogates in any path
 * parameter, query value, body string or body key, bodies nested deeper than MAX_INPUT_DEPTH, and
 * strings or arrays longer than MAX_INPUT_STRING_LENGTH or MAX_INPUT_ARRAY_ITEMS.
 * They answer 400 problem+json naming where the value is (never the value), instead of a 500 from
 * PostgreSQL or from JSON serialisation; nothing runs, so nothing is changed or audited wrongly.
 */
export function inputProblems(request: Pick<FastifyRequest, 'params' | 'query' | 'body'>): FieldError[] {
  const errors: FieldError[] = [];
  const walk = (value: unknown, path: string, depth: number) => {
    if (errors.length >= 10) return;
    if (typeof value === 'string') {
      const why = unstorableText(value);
      if (why) errors.push({ path, message: `contains a ${why}` });
      else if (value.length > MAX_INPUT_STRING_LENGTH)
        errors.push({ path, message: `longer than ${MAX_INPUT_STRING_LENGTH} characters` });
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (depth > MAX_INPUT_DEPTH) {
      errors.push({ path, message: `nested deeper than ${MAX_INPUT_DEPTH} levels` });
      return;
    }
    if (Array.isArray(value)) {
      if (value.length > MAX_INPUT_ARRAY_ITEMS) {
        errors.push({ path, message: `more than ${MAX_INPUT_ARRAY_ITEMS} items` });
        return;
      }
      for (const [i, v] of value.entries()) walk(v, `${path}.${i}`, depth + 1);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      const why = unstorableText(k);
      if (why) {
        errors.push({ path, message: `has a key that contains a ${why}` });
        continue;
      }
      walk(v, `${path}.${k.length > 50 ? `${k.slice(0, 50)}…` : k}`, depth + 1);
    }
  };
  walk(request.params, 'params', 0);
  walk(request.query, 'querystring', 0);
  // A streamed body (NDJSON imports) is checked line by line by its reader, never walked here.
  if (!(request.body instanceof Readable)) walk(request.body, 'body', 0);
  return errors;
}

export default fp(
  async function inputGuard(app: FastifyInstance) {
    app.addHook('preValidation', async (request) => {
      const errors = inputProblems(request);
      if (errors.length) throw badRequest('The request holds text or nesting this API cannot accept', errors);
    });
  },
  { name: 'input-guard' },
);
