import { z } from 'zod';
import { PURPOSES, ROLES } from '../../access/roles.js';
import { CONSENT_GRANTORS } from '../../db/schema/consents.js';
import { SENSITIVE_CATEGORIES } from '../../db/schema/records.js';
import { IsoDateTime, PageQuery } from '../../lib/schemas.js';

/** Whom the consent opens records to: a role (any related holder of it), an organisation or a person (sub). */
export const Grantee = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('role'), value: z.enum(ROLES) }),
    z.strictObject({ type: z.literal('organization'), value: z.string().min(1).max(63) }),
    z.strictObject({ type: z.literal('person'), value: z.string().min(1).max(200) }),
  ])
  .meta({ id: 'Grantee' });

export const Grantor = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('child') }),
    z.strictObject({
      kind: z.literal('guardian'),
      name: z.string().trim().min(1).max(200).describe("As registered among the child's guardians"),
    }),
    z.strictObject({
      kind: z.literal('court_order'),
      courtOrderReference: z.string().trim().min(1).max(200),
    }),
  ])
  .meta({ id: 'Grantor' });

const unique = <T>(list: T[]) => new Set(list).size === list.length;

export const ConsentCreate = z
  .strictObject({
    grantor: Grantor,
    grantee: Grantee,
    categories: z.array(z.enum(SENSITIVE_CATEGORIES)).min(1).refine(unique, 'categories repeat'),
    purposes: z.array(z.enum(PURPOSES)).min(1).refine(unique, 'purposes repeat'),
    validFrom: IsoDateTime.optional().describe('Defaults to now'),
    validUntil: IsoDateTime.optional().describe('Open-ended until revoked when left out'),
    evidenceReference: z
      .string()
      .trim()
      .min(1)
      .max(300)
      .describe(
        'Where the signed form or the recording is kept. A consent to the recorder themselves needs one of a known kind: signed-form:, hearing-record: or guardian-statement: followed by the reference',
      ),
  })
  .meta({ id: 'ConsentCreate' });

export const CONSENT_STATUSES = ['pending', 'active', 'expired', 'revoked'] as const;

/** Shaped per role (src/access/properties.ts): who signed and the evidence only for those holding the file. */
export const Consent = z
  .object({
    id: z.uuid(),
    personId: z.uuid().optional(),
    grantorKind: z.enum(CONSENT_GRANTORS).optional(),
    grantorName: z.string().nullable().optional(),
    courtOrderReference: z.string().nullable().optional(),
    grantee: z.object({ type: z.string(), value: z.string() }).optional(),
    categories: z.array(z.string()).optional(),
    purposes: z.array(z.string()).optional(),
    validFrom: z.date().optional(),
    validUntil: z.date().nullable().optional(),
    evidenceReference: z.string().nullable().optional(),
    status: z.enum(CONSENT_STATUSES).optional(),
    needsReaffirmation: z
      .boolean()
      .optional()
      .describe("A guardian's consent for a child who has since come of age: the child should re-affirm it"),
    reaffirmationDueOn: z
      .string()
      .nullable()
      .optional()
      .describe('For a guardian consent, the day the child comes of age'),
    recordedBy: z.string().optional(),
    awaitingConfirmation: z
      .boolean()
      .optional()
      .describe('Recorded by its own grantee: pending, opening nothing, until a second person confirms it'),
    confirmedBy: z.string().nullable().optional(),
    confirmedAt: z.date().nullable().optional(),
    createdAt: z.date().optional(),
    revokedAt: z.date().nullable().optional(),
    version: z.number().int().describe('The ETag of the consent is this version, quoted'),
  })
  .meta({ id: 'Consent' });

export const ConsentPage = z
  .object({ items: z.array(Consent), nextCursor: z.string().nullable() })
  .meta({ id: 'ConsentPage' });

export const ConsentListQuery = PageQuery;

export const ConsentRevoke = z.strictObject({}).meta({ id: 'ConsentRevoke' });
export const ConsentConfirm = z.strictObject({}).meta({ id: 'ConsentConfirm' });
