import { z } from 'zod';
import { CASE_STAGES } from '../../db/schema/cases.js';
import { CUSTODY_KINDS } from '../../db/schema/custody.js';
import { LEGAL_AID_STATUSES } from '../../db/schema/legal-aid.js';
import { PageQuery } from '../../lib/schemas.js';

export { OptionalNote, Reason } from '../../lib/command-schemas.js';

const Sub = z.string().min(1).max(200);
const OrgId = z.string().min(1).max(63);

/** Assign to a lawyer from the staff directory, or to a legal aid organisation (one of its lawyers accepts). */
export const LegalAidAssign = z
  .strictObject({
    lawyerSub: Sub.optional().describe('The lawyer (staff directory id)'),
    legalAidOrgId: OrgId.optional().describe('A legal aid organisation, when no lawyer is named'),
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
    legalAidOrgId: z.string(),
    status: z.enum(LEGAL_AID_STATUSES),
    assignedBy: z.string(),
    assignedAt: z.date(),
    respondedAt: z.date().nullable(),
    endedAt: z.date().nullable(),
    endReason: z.string().nullable(),
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
