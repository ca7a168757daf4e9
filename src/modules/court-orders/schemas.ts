import { z } from 'zod';
import { PURPOSES } from '../../access/roles.js';
import { SENSITIVE_CATEGORIES } from '../../db/schema/records.js';
import { IsoDateTime } from '../../lib/schemas.js';
import { Grantee } from '../consents/schemas.js';

/** An order that stands in for consent: it opens these categories, for these purposes, to these grantees. */
export const CourtOrderCreate = z
  .strictObject({
    reference: z.string().trim().min(1).max(200),
    issuingCourtOrgId: z
      .string()
      .min(1)
      .max(63)
      .optional()
      .describe("Defaults to the recording clerk's court"),
    categories: z.array(z.enum(SENSITIVE_CATEGORIES)).min(1),
    purposes: z.array(z.enum(PURPOSES)).min(1),
    grantees: z.array(Grantee).min(1).max(50),
    validFrom: IsoDateTime.optional().describe('Defaults to now'),
    validUntil: IsoDateTime.optional(),
  })
  .meta({ id: 'CourtOrderCreate' });

export const CourtOrder = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    reference: z.string(),
    issuingCourtOrgId: z.string(),
    categories: z.array(z.string()),
    purposes: z.array(z.string()),
    grantees: z.array(z.object({ type: z.string(), value: z.string() })),
    validFrom: z.date(),
    validUntil: z.date().nullable(),
    active: z.boolean().describe('In its period and not revoked'),
    revokedAt: z.date().nullable(),
    revokedBy: z.string().nullable(),
    revocationReason: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.date(),
  })
  .meta({ id: 'CourtOrder' });

export const CourtOrderList = z.object({ items: z.array(CourtOrder) }).meta({ id: 'CourtOrderList' });
