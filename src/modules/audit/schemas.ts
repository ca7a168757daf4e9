import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from '../../db/schema/audit.js';
import { IsoDateTime } from '../../lib/schemas.js';

export const AuditEvent = z
  .object({
    id: z.uuid(),
    occurredAt: z.date(),
    actorSub: z.string().nullable(),
    actorRoles: z.array(z.string()),
    actorOrg: z.string().nullable(),
    clientId: z.string().nullable(),
    action: z.enum(AUDIT_ACTIONS),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    caseId: z.uuid().nullable(),
    personId: z.uuid().nullable(),
    categoriesDisclosed: z.array(z.string()),
    categoriesWithheld: z.array(z.string()),
    purpose: z.string().nullable(),
    basisType: z.string().nullable(),
    basisId: z.string().nullable(),
    breakGlass: z.boolean(),
    outcome: z.enum(AUDIT_OUTCOMES),
    reason: z.string().nullable(),
    requestId: z.string().nullable(),
    clientAddress: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });

export const AuditQuery = z.object({
  actor: z.string().max(200).optional(),
  caseId: z.uuid().optional(),
  personId: z.uuid().optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  format: z.enum(['json', 'csv']).default('json'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(500).optional(),
});

export const Disclosure = z
  .object({
    at: z.date(),
    actorSub: z.string().nullable(),
    actorRoles: z.array(z.string()),
    actorOrg: z.string().nullable(),
    action: z.enum(AUDIT_ACTIONS),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    caseId: z.uuid().nullable(),
    categoriesDisclosed: z.array(z.string()),
    categoriesWithheld: z.array(z.string()),
    purpose: z.string().nullable(),
    basisType: z.string().nullable(),
    basisId: z.string().nullable(),
    breakGlass: z.boolean(),
    consents: z
      .array(z.object({ id: z.uuid(), recordedBy: z.string(), confirmedBy: z.string().nullable() }))
      .describe(
        'The consents that allowed it: who recorded each, and who confirmed it (null when none was needed)',
      ),
  })
  .meta({ id: 'Disclosure' });

export const VerificationReport = z
  .object({
    ok: z.boolean(),
    range: z.object({ fromSeq: z.number().int(), toSeq: z.number().int().nullable() }),
    archivedRows: z.number().int().meta({
      description: 'links whose rows were detached to a monthly archive (verified against its checkpoint)',
    }),
    checkedRows: z.number().int(),
    headSeq: z.number().int(),
    headHash: z.string(),
    pendingRows: z.number().int(),
    oldestPendingSeconds: z.number().nullable(),
    checkpoints: z.object({ checked: z.number().int(), valid: z.number().int() }),
    firstBroken: z
      .object({
        seq: z.number().int().nullable(),
        eventId: z.string().nullable(),
        problem: z.enum(['changed', 'missing', 'inserted', 'reordered', 'bad_checkpoint']),
        detail: z.string(),
      })
      .nullable(),
  })
  .meta({ id: 'AuditVerification' });

export const Checkpoint = z
  .object({
    seq: z.number().int(),
    hash: z.string(),
    jws: z.string(),
    keyId: z.string(),
    createdAt: z.date(),
  })
  .meta({ id: 'AuditCheckpoint' });

export const CheckpointList = z
  .object({
    items: z.array(Checkpoint),
    publicKey: z.record(z.string(), z.unknown()).describe('Public JWK that verifies the checkpoints'),
  })
  .meta({ id: 'AuditCheckpointList' });
