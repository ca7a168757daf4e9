import { z } from 'zod';
import { OccurredAt } from './schemas.js';

/** Bodies shared by the case path's command routes (accept, withdraw, cancel...). */
export const Reason = z.strictObject({ reason: z.string().min(1).max(1000) }).meta({ id: 'Reason' });

export const OptionalNote = z
  .strictObject({ note: z.string().min(1).max(2000).optional() })
  .meta({ id: 'OptionalNote' });

export const IfMatchHeader = z.object({
  'if-match': z
    .string()
    .optional()
    .describe('When sent, the change applies only to that version (412 otherwise)'),
});

/** Bodies of commands that record something that happened: the same, with when it happened. */
export const ReasonAt = z
  .strictObject({ reason: z.string().min(1).max(1000), occurredAt: OccurredAt })
  .meta({ id: 'ReasonAt' });

export const OptionalNoteAt = z
  .strictObject({ note: z.string().min(1).max(2000).optional(), occurredAt: OccurredAt })
  .meta({ id: 'OptionalNoteAt' });

/** Corrections (PATCH): If-Match is required (428 without it, 412 when stale). */
export const IfMatchRequiredHeader = z.object({
  'if-match': z
    .string()
    .optional()
    .describe('Required: the ETag of the version you read (428 without it, 412 when it is stale)'),
});

/** Content types a correction accepts: JSON merge patch (RFC 7396), or plain JSON with the same meaning. */
export const MERGE_PATCH_TYPES = ['application/merge-patch+json', 'application/json'];
