import { z } from 'zod';
import { CASE_STAGES } from '../../db/schema/cases.js';
import { CONTACT_KINDS, SUPERVISION_ENTRY_KINDS, SUPERVISION_STATUSES } from '../../db/schema/supervision.js';
import { IsoDate, IsoDateTime, OccurredAt, PageQuery } from '../../lib/schemas.js';

export const SupervisionStart = z
  .strictObject({
    officerSub: z.string().min(1).max(200).describe('The probation officer (staff directory id)'),
    startsOn: IsoDate,
    endsOn: IsoDate,
    conditions: z.array(z.string().min(1).max(500)).max(30).default([]),
    occurredAt: OccurredAt.describe(
      'When the court placed the child under supervision; default now. Not before the probation disposition',
    ),
  })
  .meta({ id: 'SupervisionStart' });

export const ContactCreate = z
  .strictObject({
    occurredAt: IsoDateTime,
    kind: z.enum(CONTACT_KINDS),
    notes: z.string().min(1).max(4000),
  })
  .meta({ id: 'SupervisionContactCreate' });

export const ViolationCreate = z
  .strictObject({ occurredAt: IsoDateTime, notes: z.string().min(1).max(4000) })
  .meta({ id: 'SupervisionViolationCreate' });

export const ProgressNoteCreate = z
  .strictObject({ occurredAt: IsoDateTime.optional(), notes: z.string().min(1).max(4000) })
  .meta({ id: 'SupervisionProgressNoteCreate' });

export const ConditionCreate = z
  .strictObject({ condition: z.string().min(1).max(500) })
  .meta({ id: 'SupervisionConditionCreate' });

export const Supervision = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    dispositionId: z.uuid().nullable(),
    officerSub: z.string(),
    officerOrgId: z.string(),
    startsOn: z.string(),
    endsOn: z.string(),
    conditions: z.array(z.string()),
    status: z.enum(SUPERVISION_STATUSES),
    endedAt: z.date().nullable(),
    endNote: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Supervision' });

export const SupervisionEntry = z
  .object({
    id: z.uuid(),
    supervisionId: z.uuid(),
    kind: z.enum(SUPERVISION_ENTRY_KINDS),
    occurredAt: z.date(),
    contactKind: z.enum(CONTACT_KINDS).nullable(),
    notes: z.string(),
    createdBy: z.string(),
    createdAt: z.date(),
  })
  .meta({ id: 'SupervisionEntry' });

export const CaseloadItem = Supervision.extend({
  case: z.object({
    id: z.uuid(),
    stage: z.enum(CASE_STAGES),
    child: z.object({ givenName: z.string().nullable(), familyName: z.string().nullable() }),
    lastContactAt: z.date().nullable(),
  }),
}).meta({ id: 'CaseloadItem' });

export const EntriesQuery = PageQuery.extend({ kind: z.enum(SUPERVISION_ENTRY_KINDS).optional() });
