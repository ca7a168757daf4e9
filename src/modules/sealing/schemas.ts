import { z } from 'zod';
import { SEALING_RULES } from './eligibility.js';

export const SealRequest = z
  .strictObject({
    orderReference: z.string().trim().min(1).max(200).describe('Reference of the court order to seal'),
  })
  .meta({ id: 'SealRequest' });

export const ExpungeRequest = z
  .strictObject({
    orderReference: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe('Reference of the court order to expunge; for a sealed case, the order it was sealed under'),
  })
  .meta({ id: 'ExpungeRequest' });

export const SealedCase = z
  .object({ id: z.uuid(), sealedAt: z.date(), sealedOrderRef: z.string() })
  .meta({ id: 'SealedCase' });

/** What is left of an expunged case: its id and when it was erased. */
export const CaseTombstone = z
  .object({
    id: z.uuid(),
    expungedAt: z.date(),
    personErased: z
      .boolean()
      .describe("Whether the child's personal data was erased too (it is kept while another case remains)"),
  })
  .meta({ id: 'CaseTombstone' });

export const EligibleListQuery = z.object({
  rule: z.enum(SEALING_RULES).optional().describe('Only the cases this rule makes eligible'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional().describe('Opaque cursor from a previous page'),
});

export const EligibleCase = z
  .object({
    caseId: z.uuid(),
    personId: z.uuid(),
    closedAt: z.date(),
    outcome: z
      .enum(['diverted', 'dismissed'])
      .nullable()
      .describe('How the case ended, when it ended as diverted or dismissed'),
    eligibleSince: z.iso.date().describe('The first day a rule made the case eligible (UTC)'),
    rules: z
      .array(z.object({ rule: z.enum(SEALING_RULES), eligibleSince: z.iso.date() }))
      .min(1)
      .describe('Every rule that makes the case eligible, and since when'),
  })
  .meta({ id: 'SealingEligibleCase' });

export const EligiblePage = z
  .object({
    evaluatedOn: z.iso.date().describe('The date (UTC, database clock) the rules were evaluated on'),
    rules: z
      .array(z.object({ rule: z.enum(SEALING_RULES), enabled: z.boolean(), description: z.string() }))
      .describe('The configured rules'),
    items: z.array(EligibleCase),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'SealingEligiblePage' });
