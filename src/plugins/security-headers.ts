import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Security headers on every response (@fastify/helmet: nosniff, frame and referrer policies...).
 * The content security policy is the strictest one: the API serves JSON only, which needs nothing
 * loaded, framed or submitted. `/docs` sets its own, looser one (src/plugins/openapi.ts).
 * Responses under /v1 hold a child's data: `Cache-Control: no-store`, so no browser, proxy or CDN
 * keeps a copy.
 */
export default fp(
  async function securityHeaders(app: FastifyInstance) {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'none'"],
        },
      },
    });
    app.addHook('onSend', async (request, reply) => {
      if (request.url.startsWith('/v1')) reply.header('cache-control', 'no-store');
    });
  },
  { name: 'security-headers' },
);
