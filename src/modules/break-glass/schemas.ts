import { z } from 'zod';
import { BREAK_GLASS_VERDICTS } from '../../db/schema/break-glass.js';
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
    reviewVerdict: z
      .enum(BREAK_GLASS_VERDICTS)
      .nullable()
      .describe('Null until a judge or auditor reviews it'),
    reviewNote: z.string().nullable(),
    reviewedBy: z.string().nullable(),
    reviewedRole: z.string().nullable(),
    reviewedAt: z.date().nullable(),
  })
  .meta({ id: 'BreakGlassGrant' });

/** A reviewer's verdict on one grant: was the emergency access justified? */
export const BreakGlassVerdict = z
  .strictObject({
    verdict: z.enum(BREAK_GLASS_VERDICTS),
    note: z.string().trim().min(1).max(2000).describe('Why: what the reads under the grant show'),
  })
  .meta({ id: 'BreakGlassVerdict' });

export const BreakGlassReview = BreakGlassGrant.extend({
  active: z.boolean(),
  reads: z.number().int().describe('Audited reads made under this grant'),
}).meta({ id: 'BreakGlassReview' });

export const BreakGlassQuery = PageQuery.extend({
  caseId: z.uuid().optional(),
  sub: z.string().max(200).optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  verdict: z
    .enum(['pending', 'reviewed', ...BREAK_GLASS_VERDICTS])
    .optional()
    .describe('pending: not reviewed yet'),
});

export const BreakGlassPage = z
  .object({ items: z.array(BreakGlassReview), nextCursor: z.string().nullable() })
  .meta({ id: 'BreakGlassPage' });
