import { z } from 'zod';
import { IsoDateTime, PageQuery } from '../../lib/schemas.js';

export const BreakGlassOpen = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(20)
      .max(2000)
      .describe('Why emergency access is needed now; reviewed by auditors'),
    minutes: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('A shorter window than the configured maximum (BREAK_GLASS_MINUTES, default 60)'),
  })
  .meta({ id: 'BreakGlassOpen' });

export const BreakGlassGrant = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    sub: z.string(),
    role: z.string(),
    orgId: z.string().nullable(),
    reason: z.string().nullable(),
    openedAt: z.date(),
    expiresAt: z.date(),
  })
  .meta({ id: 'BreakGlassGrant' });

export const BreakGlassReview = BreakGlassGrant.extend({
  active: z.boolean(),
  reads: z.number().int().describe('Audited reads made under this grant'),
}).meta({ id: 'BreakGlassReview' });

export const BreakGlassQuery = PageQuery.extend({
  caseId: z.uuid().optional(),
  sub: z.string().max(200).optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
});

export const BreakGlassPage = z
  .object({ items: z.array(BreakGlassReview), nextCursor: z.string().nullable() })
  .meta({ id: 'BreakGlassPage' });
