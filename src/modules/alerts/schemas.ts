import { z } from 'zod';
import { ALERT_RULES, SUBJECT_TYPES } from './rules.js';

/** `<rule>:<case id>:<subject id>`: names one alert; an occurrence is that plus its `since`. */
export const ALERT_ID_PATTERN =
  /^([a-z_]{1,64}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const AlertListQuery = z.object({
  rule: z.enum(ALERT_RULES).optional(),
  caseId: z.uuid().optional(),
  acknowledged: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: only acknowledged alerts; false: only those nobody acknowledged; absent: both'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(500).optional().describe('Opaque cursor from a previous page'),
});

export const Acknowledgement = z
  .object({
    by: z.string(),
    role: z.string(),
    at: z.date(),
    note: z.string().nullable(),
  })
  .meta({ id: 'AlertAcknowledgement' });

export const Alert = z
  .object({
    id: z.string().describe('rule:caseId:subjectId'),
    rule: z.enum(ALERT_RULES),
    severity: z.enum(['overdue', 'warning']),
    caseId: z.uuid(),
    subjectType: z.enum(SUBJECT_TYPES),
    subjectId: z.uuid(),
    since: z.date().describe('When the clock of the rule started (arrest, detention, assignment...)'),
    dueAt: z.date().describe('When the limit is reached'),
    overdueSeconds: z
      .number()
      .int()
      .describe('How far past the limit, in seconds, at the database clock (negative: time left)'),
    acknowledgement: Acknowledgement.nullable().describe('The latest acknowledgement of this occurrence'),
  })
  .meta({ id: 'Alert' });

export const AlertPage = z
  .object({ evaluatedAt: z.date(), items: z.array(Alert), nextCursor: z.string().nullable() })
  .meta({ id: 'AlertPage' });

export const AlertIdParam = z.object({ id: z.string().regex(ALERT_ID_PATTERN).max(200) });

export const AlertAcknowledge = z
  .strictObject({ note: z.string().min(1).max(2000).describe('What is being done about it') })
  .meta({ id: 'AlertAcknowledge' });

export const AlertSummary = z
  .object({
    organization: z.string(),
    evaluatedAt: z.date(),
    rules: z.array(
      z.object({
        rule: z.enum(ALERT_RULES),
        description: z.string(),
        open: z.number().int(),
        acknowledged: z.number().int(),
        oldestSince: z.date().nullable(),
      }),
    ),
  })
  .meta({ id: 'AlertSummary' });
