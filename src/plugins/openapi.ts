import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ProblemSchema } from '../lib/schemas.js';

const PUBLIC_ERRORS = [400, 404, 500, 503];
const PROTECTED_ERRORS = [400, 401, 403, 404, 409, 412, 413, 415, 422, 428, 429, 500, 503];

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request',
  401: 'Missing or invalid bearer token',
  403: 'The role may not take this action',
  404: 'Not found, or not available to the caller',
  409: 'Conflicts with the current state',
  412: 'If-Match does not match',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Understood but refused by a rule',
  428: 'If-Match required',
  429: 'Rate limit reached (per token holder, or per address without a valid token); retry after Retry-After seconds. Every /v1 response carries RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset and RateLimit-Policy',
  500: 'Internal error',
  503: 'Database unavailable',
};

/**
 * OpenAPI 3.1 from the zod schemas. One onRoute hook gives every route its error responses and,
 * under /v1, the bearer security requirement, so no route declares them by hand.
 */
export default fp(
  async function openapi(app: FastifyInstance) {
    app.addHook('onRoute', (route: RouteOptions) => {
      if (route.schema?.hide || route.url.startsWith('/docs')) return;
      const isProtected = route.url.startsWith('/v1');
      route.schema = route.schema ?? {};
      const schema = route.schema;
      schema.response = schema.response ?? {};
      const response = schema.response as Record<string, unknown>;
      for (const status of isProtected ? PROTECTED_ERRORS : PUBLIC_ERRORS) {
        response[status] ??= ProblemSchema.describe(DESCRIPTIONS[status]);
      }
      if (isProtected) (schema as Record<string, unknown>).security ??= [{ bearerAuth: [] }];
      const s = schema as Record<string, unknown>;
      s.description ??= s.summary;
    });

    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Juvenile justice case tracking API',
          version: '1.0.0',
          description:
            'Follows a child from arrest or referral through diversion, legal aid, hearings, disposition and probation, ' +
            'with consent-based access to sensitive records and a tamper-evident audit trail.',
          license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
          contact: { name: 'Case tracking service team' },
        },
        servers: [{ url: '/', description: 'This server' }],
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
        tags: [
          { name: 'system', description: 'Health, readiness and metrics' },
          { name: 'organizations', description: 'Organisations and the staff directory' },
          { name: 'persons', description: 'Children registered with the service' },
          { name: 'cases', description: 'Cases from intake to closure' },
          { name: 'legal-aid', description: 'Legal aid assignments and the lawyer worklist' },
          { name: 'custody', description: 'Custody episodes' },
          { name: 'diversion', description: 'Diversion away from the court path' },
          { name: 'hearings', description: 'Hearings and their outcomes' },
          { name: 'dispositions', description: 'Decisions of the court' },
          { name: 'supervision', description: 'Probation supervision and the officer caseload' },
          {
            name: 'social-services',
            description: 'Social work assignments, vulnerability assessments, service referrals',
          },
          { name: 'timeline', description: 'Everything that happened to a case' },
          {
            name: 'imports',
            description: 'Bulk import of children and cases (NDJSON), with a per-line report',
          },
          {
            name: 'transfers',
            description:
              'Cases and supervisions moving to another court or office; social-services referrals',
          },
          { name: 'audit', description: 'The tamper-evident audit trail' },
          {
            name: 'records',
            description: 'Sensitive records, disclosed per category with consent or court order',
          },
          {
            name: 'consents',
            description: 'Consents, court orders that stand in for them, and break-glass emergency access',
          },
        ],
      },
      transform: (input: Parameters<typeof jsonSchemaTransform>[0]) => {
        const out = jsonSchemaTransform(input);
        // A streamed body (NDJSON) is not validated by a route schema; the route names its line
        // schemas by component id in `ndjsonBody`, documented as the request body's media type.
        const ids = (input.schema as { ndjsonBody?: string[] } | undefined)?.ndjsonBody;
        if (ids) {
          const schema = out.schema as Record<string, unknown>;
          delete schema.ndjsonBody;
          schema.body = {
            content: {
              'application/x-ndjson': {
                schema: { oneOf: ids.map((id) => ({ $ref: `#/components/schemas/${id}Input` })) },
              },
            },
          };
        }
        return out;
      },
      transformObject: jsonSchemaTransformObject,
    });
    // The docs page loads its scripts, styles and the document from this server only; swagger-ui
    // sets inline styles, hence 'unsafe-inline' for styles (never for scripts).
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP:
        "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; " +
        "form-action 'self'; frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; " +
        "script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'",
    });
  },
  { name: 'openapi' },
);
