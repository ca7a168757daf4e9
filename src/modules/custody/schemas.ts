import { z } from 'zod';
import { CUSTODY_KINDS } from '../../db/schema/custody.js';
import { IsoDateTime } from '../../lib/schemas.js';

export const CustodyStart = z
  .strictObject({
    kind: z
      .enum(CUSTODY_KINDS)
      .describe('Pre-trial detention, or a sentence (needs a custodial disposition in force)'),
    facility: z.string().min(1).max(200),
    startedAt: IsoDateTime.describe(
      'Not in the future, not before the offence (nor the custodial disposition)',
    ),
  })
  .meta({ id: 'CustodyStart' });

export const CustodyEnd = z
  .strictObject({
    releasedAt: IsoDateTime.describe('Not in the future, not before the custody started'),
    releaseReason: z.string().min(1).max(1000),
  })
  .meta({ id: 'CustodyEnd' });

export const CustodyEpisode = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    kind: z.enum(CUSTODY_KINDS),
    facility: z.string(),
    startedAt: z.date(),
    releasedAt: z.date().nullable(),
    releaseReason: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'CustodyEpisode' });
