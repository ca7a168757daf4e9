import { z } from 'zod';
import { EVENT_TYPES } from './types.js';

export const EventTypeSchema = z.enum(EVENT_TYPES).meta({
  id: 'EventType',
  description: 'The closed vocabulary of event types: <resource>.created or <resource>.updated',
});

export const Event = z
  .object({
    id: z.uuid().describe('Unique per event; webhook deliveries of this event carry it in data.id'),
    type: EventTypeSchema,
    occurredAt: z.date().describe('When the change was committed (database clock)'),
    caseId: z.uuid(),
    resourceType: z.string().max(64).describe('The kind of resource that changed (case, hearing, record...)'),
    resourceId: z
      .string()
      .max(128)
      .nullable()
      .describe('The id of the resource; for an alert, rule:caseId:subjectId as in GET /v1/alerts'),
  })
  .meta({ id: 'Event', description: 'A thin event: ids and a type, never personal data or content' });

export const EventFeedQuery = z.object({
  after: z
    .string()
    .max(200)
    .optional()
    .describe('The nextCursor of the previous answer; absent: from the oldest retained event'),
  types: z
    .string()
    .max(2000)
    .optional()
    .describe('Comma-separated event types to keep (default: all)')
    .transform((s, ctx) => {
      if (!s) return undefined;
      const list = [
        ...new Set(
          s
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
        ),
      ];
      const bad = list.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
      if (bad.length) {
        ctx.addIssue({ code: 'custom', message: `unknown event types: ${bad.join(', ')}` });
        return z.NEVER;
      }
      return list as (typeof EVENT_TYPES)[number][];
    }),
  limit: z.coerce.number().int().min(1).max(100).default(100),
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(30)
    .default(0)
    .describe('Seconds to wait for an event when there is none yet (long poll, at most 30)'),
});

export const EventFeedPage = z
  .object({
    items: z.array(Event).max(100),
    nextCursor: z.string().describe('Pass as `after` to continue; always present, even on an empty page'),
  })
  .meta({ id: 'EventFeedPage' });
