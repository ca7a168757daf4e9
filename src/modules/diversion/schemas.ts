import { z } from 'zod';
import { DIVERSION_STATUSES } from '../../db/schema/diversion.js';
import { OccurredAt } from '../../lib/schemas.js';

export const DiversionPropose = z
  .strictObject({
    provider: z.string().min(1).max(200).describe('The programme or organisation that runs it'),
    conditions: z.array(z.string().min(1).max(500)).min(1).max(30),
    occurredAt: OccurredAt.describe('When the programme was offered; default now. Not before the intake'),
  })
  .meta({ id: 'DiversionPropose' });

export const Diversion = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    status: z.enum(DIVERSION_STATUSES),
    provider: z.string(),
    conditions: z.array(z.string()),
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
