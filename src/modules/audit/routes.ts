import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loadCheckpointKey } from '../../audit/signing.js';
import type { Config } from '../../config.js';
import type { Database, Db } from '../../db/client.js';
import { PageQuery, UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import { AuditEvent, AuditQuery, CheckpointList, Disclosure, VerificationReport } from './schemas.js';
import { auditService } from './service.js';

const CSV_COLUMNS = [
  'id',
  'occurredAt',
  'actorSub',
  'actorRoles',
  'actorOrg',
  'clientId',
  'action',
  'resourceType',
  'resourceId',
  'caseId',
  'personId',
  'categoriesDisclosed',
  'categoriesWithheld',
  'purpose',
  'basisType',
  'basisId',
  'breakGlass',
  'outcome',
  'reason',
  'requestId',
  'clientAddress',
] as const;

function csvCell(v: unknown): string {
  const s = v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.join(' ') : v == null ? '' : String(v);
  // Quote everything that could break a row, and defuse spreadsheet formulas.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const auditRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config; database: Database }> = async (
  app,
  { db, config, database },
) => {
  let keyPromise: ReturnType<typeof loadCheckpointKey> | null = null;
  const key = () => (keyPromise ??= loadCheckpointKey(config));
  const service = auditService(db, () => app.sealer, key, database.readLagTolerant);
  const tags = ['audit'];

  app.get(
    '/audit-events',
    {
      schema: {
        operationId: 'listAuditEvents',
        tags,
        summary: 'Search the audit trail (auditor); format=csv exports the page as CSV',
        querystring: AuditQuery,
        response: { 200: page(AuditEvent, 'AuditEventPage') },
      },
    },
    async (request, reply) => {
      const result = await service.events(contextOf(request), request.query);
      if (request.query.format === 'csv') {
        const lines = [
          CSV_COLUMNS.join(','),
          ...result.items.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(',')),
        ];
        if (result.nextCursor) reply.header('x-next-cursor', result.nextCursor);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="audit-events.csv"')
          .serializer((s: string) => s)
          .send(`${lines.join('\r\n')}\r\n` as never);
      }
      return result;
    },
  );

  app.get(
    '/audit/verify',
    {
      schema: {
        operationId: 'verifyAuditTrail',
        tags,
        summary: 'Recompute the hash chain and the signed checkpoints (auditor)',
        response: { 200: VerificationReport },
      },
    },
    async (request) => service.verify(contextOf(request)),
  );

  app.get(
    '/audit/checkpoints',
    {
      schema: {
        operationId: 'listAuditCheckpoints',
        tags,
        summary: 'Signed checkpoints of the chain head, for outside witnesses (auditor)',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: CheckpointList },
      },
    },
    async (request) => service.checkpoints(contextOf(request), request.query.limit),
  );

  app.get(
    '/persons/:id/disclosures',
    {
      schema: {
        operationId: 'listDisclosures',
        tags,
        summary: "A child's disclosure ledger: who saw their records, when, and on what basis",
        params: UuidParam,
        querystring: PageQuery,
        response: { 200: page(Disclosure, 'DisclosurePage') },
      },
    },
    async (request) => service.disclosures(contextOf(request), request.params.id, request.query),
  );
};
