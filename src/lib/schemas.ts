import { z } from 'zod';
import { CASE_STAGES } from '../db/schema/cases.js';

/** Shapes shared by every module. Registered with ids so the OpenAPI document references them. */
export const ProblemSchema = z
  .looseObject({
    type: z.string().describe('A URI reference naming the kind of problem'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('Each invalid field (400, 422), e.g. a reported time that cannot be true'),
    currentStage: z
      .enum(CASE_STAGES)
      .optional()
      .describe('409 about a case: the stage the case is in (every conflict about a case carries it)'),
    allowedNextStages: z
      .array(z.enum(CASE_STAGES))
      .optional()
      .describe('409 about a case: the stages it may move to from there'),
    allowedEvents: z
      .array(z.string())
      .optional()
      .describe('409 about a case: what may happen to it in its stage (the stage table of the README)'),
    currentStatus: z
      .string()
      .optional()
      .describe('409 refused by the status of a resource of the case (a hearing, an assignment...)'),
    openItems: z
      .array(z.object({ resourceType: z.string(), id: z.string(), status: z.string() }))
      .optional()
      .describe(
        '409 refusing to close a case or complete a diversion: what is still open and must be decided first',
      ),
  })
  .meta({
    id: 'Problem',
    description:
      'RFC 9457 problem details. Every 409 about a case has one shape: currentStage, allowedNextStages and allowedEvents, plus the fields of the rule that refused (currentStatus, openItems, or an id such as custodyEpisodeId)',
  });

export const UuidParam = z.object({ id: z.uuid() });

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional().describe('Opaque cursor from a previous page'),
});

export function page<T extends z.ZodType>(item: T, id: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id });
}

export const IsoDateTime = z.iso.datetime({ offset: true });
export const IsoDate = z.iso.date();

/**
 * When something happened in the world, for commands that record it; default now. Never after the
 * database clock (CLOCK_SKEW_TOLERANCE_SECONDS) nor before what it depends on (422 naming the field).
 */
export const OccurredAt = IsoDateTime.optional().describe(
  'When it happened; default now. Not in the future, not before what it depends on',
);
