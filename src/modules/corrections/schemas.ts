import { z } from 'zod';
import { CORRECTED_RESOURCES } from '../../db/schema/corrections.js';
import { PageQuery, page } from '../../lib/schemas.js';

export const Correction = z
  .object({
    id: z.uuid(),
    resourceType: z.enum(CORRECTED_RESOURCES),
    resourceId: z.uuid(),
    field: z
      .string()
      .describe(
        'The field corrected; `charges.<chargeId>` for a charge added (oldValue null) or withdrawn (newValue null), `charges.<chargeId>.<field>` for a charge amended',
      ),
    oldValue: z.unknown().describe('The value replaced (null when there was none)'),
    newValue: z.unknown(),
    reason: z.string(),
    actorRole: z.string(),
    correctedAt: z.date(),
  })
  .describe("Only fields the caller's role is shown on the resource are listed")
  .meta({ id: 'Correction' });

export const CorrectionPage = page(Correction, 'CorrectionPage');
export const CorrectionQuery = PageQuery;
