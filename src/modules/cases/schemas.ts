import { z } from 'zod';
import { CASE_STAGES, INTAKE_KINDS, INTAKE_STATUSES } from '../../db/schema/cases.js';
import { IsoDateTime, OccurredAt } from '../../lib/schemas.js';

export const ChargeInput = z.strictObject({
  code: z.string().min(1).max(50).describe('Statute or offence code'),
  description: z.string().min(1).max(500),
});

/**
 * Intake of an arrest or a referral. Clerks open cases for their own court; partner systems name
 * the court the case is referred to (`courtOrgId`), which a clerk may not set (422).
 */
export const CaseCreate = z
  .strictObject({
    personId: z.uuid(),
    intakeKind: z.enum(INTAKE_KINDS),
    offenceDate: IsoDateTime,
    intakeAt: IsoDateTime.describe('Time of the arrest or of the referral'),
    agency: z.string().min(1).max(200).describe('Arresting or referring agency'),
    location: z.string().max(500).optional(),
    detained: z.boolean().describe('Whether the child was detained at intake'),
    guardiansNotifiedAt: IsoDateTime.optional(),
    charges: z.array(ChargeInput).min(1).max(50),
    courtOrgId: z
      .string()
      .min(1)
      .max(63)
      .optional()
      .describe('Partner systems only: the court the case goes to'),
    prosecutionOrgId: z
      .string()
      .min(1)
      .max(63)
      .optional()
      .describe('The prosecution office the case is referred to; its prosecutors become related to the case'),
  })
  .meta({ id: 'CaseCreate' });

export const Charge = z
  .object({
    id: z.uuid(),
    code: z.string(),
    description: z.string(),
    withdrawnAt: z
      .date()
      .nullable()
      .describe('Set when the charge was withdrawn by a correction; it is then no longer decided'),
  })
  .meta({ id: 'Charge' });

export const CaseSummary = z
  .object({
    id: z.uuid(),
    personId: z.uuid(),
    courtOrgId: z.string(),
    stage: z.enum(CASE_STAGES),
    intakeKind: z.enum(INTAKE_KINDS),
    intakeAt: z.date(),
    detained: z.boolean(),
    createdAt: z.date(),
  })
  .meta({ id: 'CaseSummary' });

export const Case = CaseSummary.extend({
  referringOrgId: z.string().nullable(),
  prosecutionOrgId: z.string().nullable(),
  offenceDate: z.date(),
  agency: z.string(),
  location: z.string().nullable(),
  guardiansNotifiedAt: z.date().nullable(),
  ageAtOffence: z.number().int().optional().describe('Shown to the court and the professionals of the case'),
  closedReason: z
    .string()
    .nullable()
    .optional()
    .describe('Shown to the court and the professionals of the case'),
  closedAt: z.date().nullable(),
  updatedAt: z.date(),
  charges: z.array(Charge),
  intakeStatus: z
    .enum(INTAKE_STATUSES)
    .optional()
    .describe(
      "pending_acceptance: opened on a child another court holds an open case for; the court sees only the child's identity until the intake is accepted",
    ),
  child: z
    .object({
      givenName: z.string().nullable(),
      familyName: z.string().nullable(),
      dateOfBirth: z.string().nullable(),
    })
    .optional()
    .describe(
      "The child's identity: shown to the court and the professionals of the case, not to partner systems",
    ),
})
  .describe('Fields are shown per role, from an allowlist (src/access/properties.ts)')
  .meta({ id: 'Case' });

/** A charge in a correction: both fields to add one, either to amend it. */
export const ChargePatch = z.strictObject({
  code: z.string().min(1).max(50).optional(),
  description: z.string().min(1).max(500).optional(),
});

/**
 * A correction of a case, as a JSON merge patch (RFC 7396): members absent are left as they are,
 * null clears a field that may be empty. `charges` is an object keyed by charge id: an object
 * amends that charge (or adds one under a new id, with code and description), null withdraws it.
 */
export const CasePatch = z
  .strictObject({
    reason: z.string().trim().min(1).max(1000).describe('Why the record is corrected (kept in the history)'),
    intakeKind: z.enum(INTAKE_KINDS).optional(),
    offenceDate: IsoDateTime.optional(),
    intakeAt: IsoDateTime.optional(),
    agency: z.string().min(1).max(200).optional(),
    location: z.string().min(1).max(500).nullable().optional(),
    detained: z.boolean().optional(),
    guardiansNotifiedAt: IsoDateTime.nullable().optional(),
    prosecutionOrgId: z.string().min(1).max(63).nullable().optional(),
    charges: z
      .record(z.uuid(), ChargePatch.nullable())
      .optional()
      .describe('Keyed by charge id: an object amends (or, under a new id, adds), null withdraws'),
  })
  .meta({ id: 'CasePatch' });

export const CaseListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional(),
  stage: z.enum(CASE_STAGES).optional(),
  personId: z.uuid().optional(),
});

export const CaseClose = z
  .strictObject({
    reason: z.string().min(1).max(1000).describe('Why the case closes'),
    occurredAt: OccurredAt.describe('When it closed; default now. Not before the intake'),
  })
  .meta({ id: 'CaseClose' });

export const CaseClosed = CaseSummary.extend({
  closedReason: z.string().nullable(),
  closedAt: z.date().nullable(),
  updatedAt: z.date(),
}).meta({ id: 'CaseClosed' });

export const IntakeAcceptance = z.strictObject({}).meta({ id: 'IntakeAcceptance' });
export const IntakeAccepted = z
  .object({ id: z.uuid(), intakeStatus: z.enum(INTAKE_STATUSES), acceptedAt: z.date() })
  .meta({ id: 'IntakeAccepted' });
