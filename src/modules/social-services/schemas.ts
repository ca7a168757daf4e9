import { z } from 'zod';
import { SENSITIVE_CATEGORIES } from '../../db/schema/records.js';
import { OccurredAt, PageQuery } from '../../lib/schemas.js';

const Category = z
  .enum(SENSITIVE_CATEGORIES)
  .default('family_social')
  .describe('The sensitive category the content belongs to; reading it needs consent or a court order');

export const SocialWorkAssign = z
  .strictObject({
    socialWorkerSub: z.string().min(1).max(200).describe('Staff directory id'),
    occurredAt: OccurredAt.describe(
      'When the assignment began; default now. Not in the future, not before the intake',
    ),
  })
  .meta({ id: 'SocialWorkAssign' });

export const SocialWorkEnd = z
  .strictObject({
    occurredAt: OccurredAt.describe(
      'When the assignment ended; default now. Not in the future, not before it began',
    ),
  })
  .meta({ id: 'SocialWorkEnd' });

export const SocialWorkAssignment = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    socialWorkerSub: z.string(),
    orgId: z.string(),
    status: z.enum(['active', 'ended']),
    assignedAt: z.date(),
    endedAt: z.date().nullable(),
    version: z.number().int(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'SocialWorkAssignment' });

export const VulnerabilityAssessmentCreate = z
  .strictObject({
    category: Category,
    title: z.string().min(1).max(200).optional(),
    content: z.string().min(1).max(20000),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Structured findings (risk factors, needs...)'),
    occurredAt: OccurredAt.describe(
      'When the assessment was made; default now. Not in the future, not before the intake',
    ),
  })
  .meta({ id: 'VulnerabilityAssessmentCreate' });

export const ServiceReferralCreate = z
  .strictObject({
    category: Category,
    service: z.string().min(1).max(200).describe('e.g. family counselling, education support'),
    provider: z.string().min(1).max(200).optional(),
    content: z.string().min(1).max(20000).optional(),
    occurredAt: OccurredAt.describe(
      'When the referral was made; default now. Not in the future, not before the intake',
    ),
  })
  .meta({ id: 'ServiceReferralCreate' });

/** What may be shown without consent: that a record exists, never its content. */
export const SocialServicesRecordMeta = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    kind: z.enum(['vulnerability_assessment', 'service_referral']),
    category: z.enum(SENSITIVE_CATEGORIES),
    occurredAt: z.date().nullable().describe('When it was made in the world (null: when it was recorded)'),
    createdAt: z.date(),
    createdBy: z.string(),
  })
  .meta({ id: 'SocialServicesRecordMeta' });

export const SocialServicesQuery = PageQuery.extend({
  kind: z.enum(['vulnerability_assessment', 'service_referral']).optional(),
});
