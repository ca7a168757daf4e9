import { z } from 'zod';
import { HEARING_STATUSES } from '../../db/schema/hearings.js';
import { IsoDateTime, OccurredAt } from '../../lib/schemas.js';

export const HearingSchedule = z
  .strictObject({
    scheduledAt: IsoDateTime,
    listedAt: IsoDateTime.optional().describe(
      'When the hearing was set down (the scheduling decision); default now. Not in the future, not before the intake',
    ),
    purpose: z.string().min(1).max(200).describe('e.g. detention review, adjudication, disposition'),
    location: z.string().min(1).max(200).optional(),
    childFriendlyCourtroom: z.boolean().default(false),
  })
  .meta({ id: 'HearingSchedule' });

export const HearingHold = z
  .strictObject({
    heldAt: IsoDateTime.describe('Not in the future, not before the hearing was listed'),
    outcome: z.string().min(1).max(2000),
    attendees: z
      .array(z.string().min(1).max(200))
      .max(50)
      .describe('Who attended, by role or name (child, guardian, lawyer, prosecutor...)'),
    childFriendlyCourtroom: z.boolean(),
  })
  .meta({ id: 'HearingHold' });

export const HearingAdjourn = z
  .strictObject({
    newScheduledAt: IsoDateTime,
    reason: z.string().min(1).max(1000),
    occurredAt: OccurredAt.describe('When it was adjourned; default now. The new hearing is listed then'),
  })
  .meta({ id: 'HearingAdjourn' });

export const HearingCancel = z
  .strictObject({
    reason: z.string().min(1).max(1000),
    occurredAt: OccurredAt.describe('When it was called off; default now'),
  })
  .meta({ id: 'HearingCancel' });

export const Hearing = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    purpose: z.string(),
    scheduledAt: z.date(),
    listedAt: z.date(),
    location: z.string().nullable(),
    childFriendlyCourtroom: z.boolean(),
    status: z.enum(HEARING_STATUSES),
    heldAt: z.date().nullable(),
    outcome: z.string().nullable(),
    attendees: z.array(z.string()),
    adjournedToId: z.uuid().nullable(),
    adjournedFromId: z.uuid().nullable(),
    reason: z.string().nullable(),
    version: z.number().int().describe('The ETag of the hearing is this version, quoted'),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Hearing' });

/** Adjourning answers with both hearings: the adjourned one and the one that replaces it. */
export const HearingAdjourned = z
  .object({ adjourned: Hearing, next: Hearing })
  .meta({ id: 'HearingAdjourned' });
