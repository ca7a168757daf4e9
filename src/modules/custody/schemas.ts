import { z } from 'zod';
import { AFTERCARE_KINDS, CUSTODY_KINDS } from '../../db/schema/custody.js';
import { IsoDateTime } from '../../lib/schemas.js';

export const CustodyStart = z
  .strictObject({
    kind: z
      .enum(CUSTODY_KINDS)
      .describe('Pre-trial detention, or a sentence (needs a custodial disposition in force)'),
    facilityId: z.uuid().optional().describe('The place in the facilities registry (GET /v1/facilities)'),
    facility: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("The place as written; defaults to the registry facility's name. One of the two is required"),
    startedAt: IsoDateTime.describe(
      'Not in the future, not before the offence (nor the custodial disposition)',
    ),
  })
  .refine((b) => b.facilityId !== undefined || b.facility !== undefined, {
    message: 'name the facility (facilityId) or write it (facility)',
    path: ['facilityId'],
  })
  .meta({ id: 'CustodyStart' });

export const CustodyEnd = z
  .strictObject({
    releasedAt: IsoDateTime.describe('Not in the future, not before the custody started'),
    releaseReason: z.string().min(1).max(1000),
    aftercare: z
      .strictObject({
        provided: z.boolean().describe('Aftercare was arranged for the child leaving detention'),
        kind: z.enum(AFTERCARE_KINDS).optional(),
      })
      .optional()
      .describe('Recorded at release (indicator 11); left out: not recorded'),
  })
  .meta({ id: 'CustodyEnd' });

export const CustodyEpisode = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    kind: z.enum(CUSTODY_KINDS),
    facility: z.string(),
    facilityId: z.uuid().nullable(),
    startedAt: z.date(),
    releasedAt: z.date().nullable(),
    releaseReason: z.string().nullable(),
    aftercareProvided: z.boolean().nullable(),
    aftercareKind: z.enum(AFTERCARE_KINDS).nullable(),
    version: z.number().int(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'CustodyEpisode' });
