import { z } from 'zod';
import { CONDITION_KINDS, CONDITION_STATUSES, DIVERSION_STATUSES } from '../../db/schema/diversion.js';
import { IsoDate, IsoDateTime, OccurredAt } from '../../lib/schemas.js';

export const ConditionInput = z
  .strictObject({
    kind: z.enum(CONDITION_KINDS),
    description: z.string().min(1).max(500),
    hours: z.number().int().min(1).max(2000).optional().describe('Community work only: the hours ordered'),
    dueOn: IsoDate.optional(),
    victimConsentedAt: IsoDateTime.optional().describe(
      'Restorative meeting: when the victim consented (required before the meeting is recorded as done)',
    ),
  })
  .meta({ id: 'DiversionConditionProposal' });

export const DiversionPropose = z
  .strictObject({
    provider: z.string().min(1).max(200).describe('The programme or organisation that runs it'),
    conditions: z
      .array(z.union([z.string().min(1).max(500), ConditionInput]))
      .min(1)
      .max(30)
      .describe('Each a structured condition, or plain text (kind `other`)'),
    occurredAt: OccurredAt.describe('When the programme was offered; default now. Not before the intake'),
  })
  .meta({ id: 'DiversionPropose' });

export const DiversionCondition = z
  .object({
    id: z.uuid(),
    diversionId: z.uuid(),
    kind: z.enum(CONDITION_KINDS),
    description: z.string(),
    hours: z.number().int().nullable(),
    dueOn: z.string().nullable(),
    victimConsentedAt: z.date().nullable(),
    status: z.enum(CONDITION_STATUSES),
    statusAt: z.date().nullable().describe('When it was done, found not done, or waived'),
    note: z.string().nullable().describe('The reason for not done or waived; a note for done'),
    recordedByRole: z.string().nullable(),
    version: z.number().int(),
    updatedAt: z.date(),
  })
  .meta({ id: 'DiversionCondition' });

export const Diversion = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    status: z.enum(DIVERSION_STATUSES),
    provider: z.string(),
    conditions: z.array(DiversionCondition),
    proposedByRole: z.string(),
    proposedAt: z.date(),
    decidedAt: z.date().nullable(),
    startedAt: z.date().nullable(),
    endedAt: z.date().nullable(),
    outcomeNote: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Diversion' });

export const ConditionDone = z
  .strictObject({
    occurredAt: OccurredAt,
    note: z.string().min(1).max(2000).optional(),
    victimConsentedAt: IsoDateTime.optional().describe('Restorative meeting: when the victim consented'),
  })
  .meta({ id: 'DiversionConditionDone' });

export const ConditionRefusal = z
  .strictObject({ occurredAt: OccurredAt, reason: z.string().min(1).max(1000) })
  .meta({ id: 'DiversionConditionReason' });
