import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ProblemSchema } from '../lib/schemas.js';
import {
  CHECKED_RESPONSE_HEADERS,
  type RouteContract,
  STATUS_DESCRIPTIONS,
  finishDocument,
  openapiPath,
  responseHeadersOf,
  statusesOf,
} from './openapi-contract.js';

/**
 * OpenAPI 3.1 from the zod schemas. One onRoute hook gives every route the error responses it can
 * answer (openapi-contract.ts) and, under /v1, the bearer security requirement, so no route
 * declares them by hand; transformObject finishes the document (components, bounds, headers).
 *
 * The same hook arms a contract check: a response whose status, or whose ETag, Location,
 * Idempotent-Replayed or Retry-After header, the document does not declare for its operation is
 * reported to `onContractViolation` (the test harness fails the test file) and logged.
 */
export default fp(
  async function openapi(app: FastifyInstance, opts: { onContractViolation?: (violation: string) => void }) {
    const contracts = new Map<string, RouteContract>();
    app.addHook('onRoute', (route: RouteOptions) => {
      if (route.schema?.hide || route.url.startsWith('/docs')) return;
      const isProtected = route.url.startsWith('/v1');
      route.schema = route.schema ?? {};
      const schema = route.schema;
      schema.response = schema.response ?? {};
      const response = schema.response as Record<string, unknown>;
      const statuses = statusesOf(route);
      for (const status of statuses) {
        response[status] ??= ProblemSchema.describe(STATUS_DESCRIPTIONS[status]);
      }
      if (isProtected) (schema as Record<string, unknown>).security ??= [{ bearerAuth: [] }];
      const s = schema as Record<string, unknown>;
      s.description ??= s.summary;
      const documented = Object.keys(response).map(Number);
      const headers: Record<number, string[]> = {};
      for (const status of documented) headers[status] = responseHeadersOf(route, status);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        const contract = { method, path: openapiPath(route.url), statuses: documented, headers };
        contracts.set(`${method.toUpperCase()} ${contract.path}`, contract);
      }
    });

    app.addHook('onSend', async (request, reply) => {
      const url = request.routeOptions.url;
      if (!url) return;
      const contract = contracts.get(`${request.method} ${openapiPath(url)}`);
      if (!contract) return;
      const status = reply.statusCode;
      const problems: string[] = [];
      if (!contract.statuses.includes(status)) problems.push(`status ${status} is not documented`);
      else {
        const declared = (contract.headers[status] ?? []).map((h) => h.toLowerCase());
        for (const h of CHECKED_RESPONSE_HEADERS) {
          if (reply.hasHeader(h) && !declared.includes(h))
            problems.push(`header ${h} on ${status} is not documented`);
        }
      }
      if (problems.length === 0) return;
      const violation = `${request.method} ${contract.path}: ${problems.join('; ')}`;
      request.log.warn({ contract: violation }, 'response outside the OpenAPI contract');
      opts.onContractViolation?.(violation);
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
        servers: [
          {
            url: '/',
            description:
              'The server that serves this document (local, staging or production alike: paths are relative)',
          },
        ],
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description:
                'An OAuth 2.0 access token from your identity provider, a JWT (RFC 9068) handled as RFC8725 recommends: ' +
                'signature checked against the JWKS of AUTH_JWKS_URL with ES256, RS256 or EdDSA only (never none), ' +
                'issuer, audience, expiry and subject required, and a typ header other than at+jwt or JWT refused. ' +
                'Roles, organisation, client_id and scope come from its claims',
            },
          },
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
          { name: 'alerts', description: 'Deadlines and conditions that need someone to act' },
          {
            name: 'facilities',
            description: 'Detention facilities: population, incidents, inspections, family visits',
          },
          { name: 'statistics', description: 'Anonymised indicators for the statistics office' },
          { name: 'events', description: 'The feed of changes a partner may see (long-poll)' },
          { name: 'webhooks', description: 'Signed webhook subscriptions, their deliveries and replays' },
          { name: 'partner-clients', description: 'Partner systems registered by an administrator' },
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
      transformObject: (document) => finishDocument(jsonSchemaTransformObject(document), contracts),
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
