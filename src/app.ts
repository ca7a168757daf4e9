import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { type ZodTypeProvider, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import { type Database, databaseOptionsFrom, openDatabase } from './db/client.js';
import { alertRoutes } from './modules/alerts/routes.js';
import { facilityRoutes } from './modules/facilities/routes.js';
import { statisticsRoutes } from './modules/statistics/routes.js';
import { type AlertWatcher, startAlertWatcher } from './modules/alerts/watcher.js';
import { auditRoutes } from './modules/audit/routes.js';
import { caseRoutes } from './modules/cases/routes.js';
import { correctionRoutes } from './modules/corrections/routes.js';
import { handoverRoutes } from './modules/handovers/routes.js';
import { legalAidRoutes } from './modules/legal-aid/routes.js';
import { timelineRoutes } from './modules/timeline/routes.js';
import { custodyRoutes } from './modules/custody/routes.js';
import { diversionRoutes } from './modules/diversion/routes.js';
import { dispositionRoutes } from './modules/dispositions/routes.js';
import { hearingRoutes } from './modules/hearings/routes.js';
import { socialServicesRoutes } from './modules/social-services/routes.js';
import { supervisionRoutes } from './modules/supervision/routes.js';
import { organizationRoutes } from './modules/organizations/routes.js';
import { personRoutes } from './modules/persons/routes.js';
import { systemRoutes } from './modules/system/routes.js';
import { breakGlassRoutes } from './modules/break-glass/routes.js';
import { consentRoutes } from './modules/consents/routes.js';
import { courtOrderRoutes } from './modules/court-orders/routes.js';
import { recordRoutes } from './modules/records/routes.js';
import { sealingRoutes } from './modules/sealing/routes.js';
import { eventRoutes } from './modules/events/routes.js';
import { type EventPruner, startEventPruner } from './modules/retention/pruner.js';
import { webhookRoutes } from './modules/webhooks/routes.js';
import { importRoutes } from './modules/imports/routes.js';
import { partnerClientRoutes } from './modules/partner-clients/routes.js';
import { type WebhookWorker, startWebhookWorker } from './modules/webhooks/worker.js';
import authPlugin from './plugins/auth.js';
import metricsPlugin from './plugins/metrics.js';
import openapiPlugin from './plugins/openapi.js';
import inputGuardPlugin from './plugins/input-guard.js';
import problemPlugin, { sendProblem } from './plugins/problem.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import securityHeadersPlugin from './plugins/security-headers.js';
import idempotencyPlugin from './plugins/idempotency.js';
import { type AuditSealer, startSealer } from './audit/sealer.js';
import { REDACTED_LOG_PATHS, errorForLog, requestForLog } from './lib/logging.js';
import { startPartitionUpkeep } from './audit/partitions.js';

/** Fields that must never reach a log line: credentials, names, dates of birth, addresses, free text. */
export { REDACTED_LOG_PATHS };

export interface AppDeps {
  /** A database opened by the caller (tests, several apps on one database); otherwise built from config. */
  database?: Database;
  /** Where log lines go (default: standard output); a log shipper, or a test reading the lines. */
  logStream?: DestinationStream;
  /** Told of every response outside the OpenAPI contract (an undocumented status or header): tests. */
  onContractViolation?: (violation: string) => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
    sealer: AuditSealer;
    alertWatcher: AlertWatcher;
    eventPruner: EventPruner;
    webhookWorker: WebhookWorker;
  }
}

/**
 * Opens (on a fresh data directory: creates) the database and applies the migrations, saying what
 * it does and how long each step took: the first start of the embedded database takes a while.
 */
async function prepareDatabase(database: Database, log: FastifyBaseLogger): Promise<void> {
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = Math.round(now - mark);
    mark = now;
    return ms;
  };
  const where = { database: database.kind, location: database.location };
  log.info(
    where,
    database.creating ? 'creating the embedded database (first start only)' : 'opening the database',
  );
  await database.ready();
  log.info({ ...where, ms: lap() }, database.creating ? 'embedded database created' : 'database opened');
  log.info('applying migrations');
  const { applied, total } = await database.migrate();
  log.info(
    { applied, total, ms: lap() },
    applied > 0 ? `applied ${applied} migration(s), ${total} in all` : `migrations up to date (${total})`,
  );
}

/** Builds the whole service: plugins, then modules. The only place where they are wired together. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
      serializers: { req: requestForLog, err: errorForLog },
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    requestIdHeader: false,
    // Alert ids are `<rule>:<case id>:<subject id>` (up to 64 + 2 x 36 + 2 characters): the default
    // 100 refused the longest rule names' ids with 414 before any route ran.
    routerOptions: { maxParamLength: 200 },
    // The router's own refusals (a path parameter over maxParamLength: 414; a malformed `%` escape:
    // 400) are problem+json like every other error, and do not echo the path back. No hook runs for
    // them, so the security headers are set here.
    frameworkErrors: (err, request, reply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      reply.headers({
        'x-request-id': String(request.id),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'x-frame-options': 'DENY',
      });
      return sendProblem(
        reply,
        request,
        tooLong ? 414 : 400,
        tooLong ? 'uri-too-long' : 'bad-request',
        tooLong ? 'URI too long' : 'Bad request',
        tooLong ? 'A path segment is longer than this API accepts' : 'The URL is not correctly encoded',
        { instance: undefined },
      );
    },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // a hop count trusts that many proxies nearest to the service (what Fastify does with a number)
    trustProxy:
      typeof config.TRUST_PROXY === 'number'
        ? (_address: string, hop: number) => hop < (config.TRUST_PROXY as number)
        : config.TRUST_PROXY,
    return503OnClosing: true,
    // A slow or stalled client cannot hold a connection for ever: the whole request (headers and
    // body) within HTTP_REQUEST_TIMEOUT_MS, the headers within HTTP_HEADERS_TIMEOUT_MS (both 408),
    // and a socket silent for HTTP_CONNECTION_TIMEOUT_MS is closed. Node checks the first two on
    // an interval, every second here instead of its default 30 s.
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionTimeout: config.HTTP_CONNECTION_TIMEOUT_MS,
    http: { headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    // Errors Node's HTTP parser answers before Fastify sees a request (slow headers or body, headers
    // too large, a malformed request line) are problem+json too.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, slug, title] =
        err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'timeout', 'Request timeout']
          : err.code === 'HPE_HEADER_OVERFLOW'
            ? [431, 'headers-too-large', 'Request header fields too large']
            : [400, 'bad-request', 'Bad request'];
      const body = JSON.stringify({ type: `/problems/${slug}`, title, status });
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const ownsDatabase = !deps.database;
  const database = deps.database ?? openDatabase(databaseOptionsFrom(config));
  app.decorate('database', database);
  if (ownsDatabase) await prepareDatabase(database, app.log);
  const db = database.db;

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Corrections are JSON merge patches (RFC 7396): the same JSON parser, under its own media type.
  app.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  await app.register(problemPlugin);
  await app.register(inputGuardPlugin);
  await app.register(openapiPlugin, { onContractViolation: deps.onContractViolation });
  await app.register(securityHeadersPlugin);
  await app.register(metricsPlugin, { database, config });
  await app.register(authPlugin, { config, db });
  await app.register(rateLimitPlugin, { config, db });

  await app.register(systemRoutes, { database, readinessTimeoutMs: config.READINESS_TIMEOUT_MS });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (v1) => {
      v1.addHook('onRequest', async (request, reply) => {
        try {
          await v1.authenticate(request);
        } catch (err) {
          // No valid token: counted per address, so a flood of bad or missing tokens is refused too.
          await v1.rateLimit(request, reply);
          throw err;
        }
        await v1.rateLimit(request, reply);
      });
      await v1.register(idempotencyPlugin, { db });
      await v1.register(organizationRoutes, { db });
      await v1.register(personRoutes, { db, config });
      await v1.register(caseRoutes, { db, config });
      await v1.register(legalAidRoutes, { db, config });
      await v1.register(correctionRoutes, { db });
      await v1.register(handoverRoutes, { db, config });
      await v1.register(timelineRoutes, { db });
      await v1.register(custodyRoutes, { db, config });
      await v1.register(diversionRoutes, { db, config });
      await v1.register(hearingRoutes, { db, config });
      await v1.register(dispositionRoutes, { db, config });
      await v1.register(supervisionRoutes, { db, config });
      await v1.register(socialServicesRoutes, { db, config });
      await v1.register(auditRoutes, { db, config, database });
      await v1.register(recordRoutes, { db });
      await v1.register(consentRoutes, { db, config });
      await v1.register(courtOrderRoutes, { db, config });
      await v1.register(breakGlassRoutes, { db, config });
      await v1.register(sealingRoutes, { db, config });
      await v1.register(alertRoutes, { db, config });
      await v1.register(facilityRoutes, { db, config });
      await v1.register(statisticsRoutes, { db, config, database });
      await v1.register(eventRoutes, { db, pollIntervalMs: config.EVENTS_POLL_INTERVAL_MS, database });
      await v1.register(webhookRoutes, { db, config });
      await v1.register(partnerClientRoutes, { db });
      await v1.register(importRoutes, { db, config });
    },
    { prefix: '/v1' },
  );

  const partitionUpkeep = startPartitionUpkeep(db, app.log, app.jobs);
  await partitionUpkeep.ready;
  const sealer = startSealer(database, config, app.log, app.jobs);
  app.decorate('sealer', sealer);
  const eventPruner = startEventPruner(db, config, app.log, app.jobs);
  app.decorate('eventPruner', eventPruner);
  const webhookWorker = startWebhookWorker(db, config, app.log, app.jobs);
  app.decorate('webhookWorker', webhookWorker);
  const alertWatcher = startAlertWatcher(db, config, app.log, app.jobs);
  app.decorate('alertWatcher', alertWatcher);
  app.addHook('onClose', async () => {
    await alertWatcher.stop();
    await webhookWorker.stop();
    await eventPruner.stop();
    await sealer.stop();
    await partitionUpkeep.stop();
    if (ownsDatabase) await database.close();
  });

  return app;
}
