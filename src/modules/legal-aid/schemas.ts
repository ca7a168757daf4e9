import { z } from 'zod';
import { CASE_STAGES } from '../../db/schema/cases.js';
import { CUSTODY_KINDS } from '../../db/schema/custody.js';
import { LEGAL_AID_REQUEST_SOURCES, LEGAL_AID_STATUSES } from '../../db/schema/legal-aid.js';
import { IsoDateTime, OccurredAt, PageQuery } from '../../lib/schemas.js';

/** Accepting or completing: an optional note and when it happened. */
export const LegalAidNote = z
  .strictObject({ note: z.string().min(1).max(2000).optional(), occurredAt: OccurredAt })
  .meta({ id: 'LegalAidNote' });

/** Declining, withdrawing, completing: a reason and when it happened. */
export const LegalAidReason = z
  .strictObject({ reason: z.string().min(1).max(1000), occurredAt: OccurredAt })
  .meta({ id: 'LegalAidReason' });

export const LegalAidOptionalReason = z
  .strictObject({ reason: z.string().min(1).max(1000).optional(), occurredAt: OccurredAt })
  .meta({ id: 'LegalAidOptionalReason' });

/** The child needs a lawyer: recorded by the clerk, on the clerk's or the child's request. */
export const LegalAidRequest = z
  .strictObject({
    source: z
      .enum(['clerk', 'child'])
      .default('clerk')
      .describe('Who asked: the clerk, or the child (through the court)'),
    requestedAt: OccurredAt.describe('When legal aid was asked for; default now'),
  })
  .meta({ id: 'LegalAidRequest' });

const Sub = z.string().min(1).max(200);
const OrgId = z.string().min(1).max(63);

/** Assign to a lawyer from the staff directory, or to a legal aid organisation (one of its lawyers accepts). */
export const LegalAidAssign = z
  .strictObject({
    lawyerSub: Sub.optional().describe('The lawyer (staff directory id)'),
    legalAidOrgId: OrgId.optional().describe('A legal aid organisation, when no lawyer is named'),
    assignedAt: IsoDateTime.optional().describe(
      'When it was assigned; default now. Not in the future, not before the request',
    ),
  })
  .refine((b) => b.lawyerSub !== undefined || b.legalAidOrgId !== undefined, {
    message: 'name a lawyer or a legal aid organisation',
    path: ['lawyerSub'],
  })
  .meta({ id: 'LegalAidAssign' });

export const LegalAidAssignment = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    lawyerSub: z.string().nullable(),
    legalAidOrgId: z.string().nullable().describe('Null while only requested'),
    status: z.enum(LEGAL_AID_STATUSES),
    requestSource: z.enum(LEGAL_AID_REQUEST_SOURCES),
    requestedBy: z.string(),
    requestedAt: z.date(),
    assignedBy: z.string().nullable(),
    assignedAt: z.date().nullable(),
    requestToAssignmentSeconds: z
      .number()
      .int()
      .nullable()
      .describe('From the request to the assignment; null until assigned'),
    respondedAt: z.date().nullable(),
    endedAt: z.date().nullable(),
    endReason: z.string().nullable(),
    version: z.number().int(),
    updatedAt: z.date(),
  })
  .meta({ id: 'LegalAidAssignment' });

/** What a lawyer needs to know to take up a case, and no more. */
export const CaseEssentials = z
  .object({
    id: z.uuid(),
    stage: z.enum(CASE_STAGES),
    child: z.object({
      givenName: z.string().nullable(),
      familyName: z.string().nullable(),
      age: z.number().int().nullable(),
    }),
    charges: z.array(z.object({ code: z.string(), description: z.string() })),
    nextHearing: z
      .object({
        id: z.uuid(),
        scheduledAt: z.date(),
        purpose: z.string(),
        location: z.string().nullable(),
        childFriendlyCourtroom: z.boolean(),
      })
      .nullable(),
    custody: z.object({
      inCustody: z.boolean(),
      kind: z.enum(CUSTODY_KINDS).nullable(),
      facility: z.string().nullable(),
      since: z.date().nullable(),
    }),
  })
  .meta({ id: 'CaseEssentials' });

export const WorklistItem = LegalAidAssignment.extend({
  case: CaseEssentials.nullable().describe(
    'Present for assignments addressed to the caller by name and for accepted ones; absent while an assignment waits at the organisation',
  ),
}).meta({ id: 'LegalAidWorklistItem' });

export const WorklistQuery = PageQuery.extend({
  status: z.enum(['assigned', 'accepted']).optional(),
});

export const AssignmentParam = z.object({ id: z.uuid() });
