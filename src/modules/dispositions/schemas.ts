import { z } from 'zod';
import { DISPOSITION_OUTCOMES } from '../../db/schema/dispositions.js';
import { IsoDateTime } from '../../lib/schemas.js';

export const DispositionCreate = z
  .strictObject({
    outcome: z.enum(DISPOSITION_OUTCOMES).describe('The decision for the case as a whole'),
    decidedAt: IsoDateTime.describe(
      'Not in the future, not before the intake, the hearing it names or the last disposition',
    ),
    hearingId: z.uuid().optional().describe('The held hearing where it was decided'),
    termMonths: z.number().int().min(1).max(120).optional().describe('Length of probation or custody'),
    notes: z.string().min(1).max(4000).optional(),
    chargeOutcomes: z
      .array(z.strictObject({ chargeId: z.uuid(), outcome: z.enum(DISPOSITION_OUTCOMES) }))
      .max(50)
      .default([])
      .describe('Only the charges decided differently from `outcome`'),
  })
  .meta({ id: 'DispositionCreate' });

export const Disposition = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    hearingId: z.uuid().nullable(),
    outcome: z.enum(DISPOSITION_OUTCOMES),
    chargeOutcomes: z.array(z.object({ chargeId: z.uuid(), outcome: z.enum(DISPOSITION_OUTCOMES) })),
    decidedAt: z.date(),
    termMonths: z.number().int().nullable(),
    notes: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.date(),
  })
  .meta({ id: 'Disposition' });
