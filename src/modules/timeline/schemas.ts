import { z } from 'zod';
import { CASE_EVENT_KINDS } from '../../db/schema/cases.js';
import { PageQuery } from '../../lib/schemas.js';

export const TimelineEvent = z
  .object({
    id: z.uuid(),
    kind: z.enum(CASE_EVENT_KINDS).describe('What happened (a closed set)'),
    occurredAt: z
      .date()
      .describe('When it happened in the world, as reported (never after recordedAt plus the tolerance)'),
    recordedAt: z.date().describe('When it was recorded, by the database clock'),
    actorRole: z.string(),
    summary: z.string().nullable().describe('Null when the event belongs to a withheld category'),
    category: z.string().nullable().describe('The sensitive category of the event, if any'),
    withheld: z.boolean().describe('True when the summary is left out because of its category'),
    resourceType: z.string().nullable(),
    resourceId: z.uuid().nullable(),
  })
  .meta({ id: 'TimelineEvent' });

export const TimelinePage = z
  .object({
    items: z.array(TimelineEvent),
    nextCursor: z.string().nullable(),
    withheldCategories: z.array(z.string()).describe('Categories whose events on this page are withheld'),
  })
  .meta({ id: 'TimelinePage' });

export const TimelineQuery = PageQuery;
