import { z } from 'zod';
import { HANDOVER_KINDS, HANDOVER_STATUSES } from '../../db/schema/handovers.js';
import { SENSITIVE_CATEGORIES } from '../../db/schema/records.js';
import { OccurredAt, PageQuery, page } from '../../lib/schemas.js';

export const CaseTransferCreate = z
  .strictObject({
    toCourtOrgId: z.string().min(1).max(63).describe('The court the case moves to'),
    reason: z.string().trim().min(1).max(1000),
    occurredAt: OccurredAt,
  })
  .meta({ id: 'CaseTransferCreate' });

export const SupervisionTransferCreate = z
  .strictObject({
    toOrgId: z.string().min(1).max(63).describe('The probation office the supervision moves to'),
    reason: z.string().trim().min(1).max(1000),
    occurredAt: OccurredAt,
  })
  .meta({ id: 'SupervisionTransferCreate' });

export const ReferralCreate = z
  .strictObject({
    receivingOrgId: z.string().min(1).max(63).describe('The social-services organisation asked to act'),
    service: z.string().trim().min(1).max(1000).describe('What is asked of it'),
    category: z.enum(SENSITIVE_CATEGORIES).default('family_social'),
    occurredAt: OccurredAt,
  })
  .meta({ id: 'ReferralCreate' });

const Handover = z.object({
  id: z.uuid(),
  kind: z.enum(HANDOVER_KINDS),
  caseId: z.uuid(),
  fromOrgId: z.string(),
  toOrgId: z.string(),
  status: z.enum(HANDOVER_STATUSES),
  sentByRole: z.string(),
  sentAt: z.date(),
  respondedAt: z.date().nullable(),
  responseNote: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const Transfer = Handover.extend({
  supervisionId: z.uuid().nullable(),
  reason: z.string(),
}).meta({ id: 'Transfer' });

export const Referral = Handover.extend({
  category: z.string(),
  service: z.string().nullable().describe('Null when the category is withheld from the caller'),
  outcome: z.string().nullable().describe('Null until completed, or when the category is withheld'),
  startedAt: z.date().nullable(),
  completedAt: z.date().nullable(),
  withheld: z.boolean().describe('True when service and outcome are left out for want of consent'),
}).meta({ id: 'Referral' });

export const TransferPage = page(Transfer, 'TransferPage');
export const ReferralPage = page(Referral, 'ReferralPage');
export const HandoverQuery = PageQuery;

export const HandoverAccept = z
  .strictObject({ note: z.string().min(1).max(2000).optional(), occurredAt: OccurredAt })
  .meta({ id: 'HandoverAccept' });
export const HandoverDecline = z
  .strictObject({ reason: z.string().min(1).max(1000), occurredAt: OccurredAt })
  .meta({ id: 'HandoverDecline' });
export const ReferralComplete = z
  .strictObject({ outcome: z.string().min(1).max(2000), occurredAt: OccurredAt })
  .meta({ id: 'ReferralComplete' });
