import { z } from 'zod';
import { SEXES } from '../../db/schema/persons.js';
import { IsoDate } from '../../lib/schemas.js';

const Guardian = z.strictObject({
  name: z.string().min(1).max(200),
  relationship: z.string().min(1).max(100),
  contact: z.string().max(200).optional(),
});

/**
 * The national identity number (Azerbaijani personal identification number, FIN): 7 Latin letters
 * or digits, stored in capitals. An exact match key, unique among live records.
 */
export const NationalId = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[0-9A-Z]{7}$/, 'A national identity number (FIN) is 7 Latin letters or digits')
  .describe('National identity number (FIN): 7 Latin letters or digits; unique among live records');

export const PersonCreate = z
  .strictObject({
    givenName: z.string().trim().min(1).max(200),
    familyName: z.string().trim().min(1).max(200),
    dateOfBirth: IsoDate,
    sex: z.enum(SEXES).default('unknown'),
    region: z.string().min(1).max(100).optional(),
    guardians: z.array(Guardian).max(10).default([]),
    nationalId: NationalId.optional(),
  })
  .meta({ id: 'PersonCreate' });

/** A correction of a child's details, as a JSON merge patch (RFC 7396); `guardians` is replaced whole. */
export const PersonPatch = z
  .strictObject({
    reason: z.string().trim().min(1).max(1000).describe('Why the record is corrected (kept in the history)'),
    givenName: z.string().trim().min(1).max(200).optional(),
    familyName: z.string().trim().min(1).max(200).optional(),
    dateOfBirth: IsoDate.optional(),
    sex: z.enum(SEXES).optional(),
    region: z.string().min(1).max(100).nullable().optional(),
    guardians: z.array(Guardian).max(10).optional(),
    nationalId: NationalId.nullable().optional(),
  })
  .meta({ id: 'PersonPatch' });

/**
 * Shaped per role and relationship (src/access/properties.ts): fields the caller may not see are
 * left out, and guardians are listed without their contact for those who may not have it.
 */
export const Person = z
  .object({
    id: z.uuid(),
    givenName: z.string().nullable().optional(),
    familyName: z.string().nullable().optional(),
    dateOfBirth: z.string().nullable().optional(),
    sex: z.enum(SEXES).optional(),
    region: z.string().nullable().optional(),
    guardians: z
      .array(z.object({ name: z.string(), relationship: z.string(), contact: z.string().optional() }))
      .optional(),
    nationalId: z.string().nullable().optional(),
    createdAt: z.date().optional(),
  })
  .meta({ id: 'Person' });

export const MatchQuery = z.object({
  givenName: z.string().trim().min(1).max(200),
  familyName: z.string().trim().min(1).max(200),
  dateOfBirth: IsoDate.optional(),
  nationalId: NationalId.optional().describe('An exact match key: the record holding it comes first'),
  limit: z.coerce.number().int().min(1).max(20).default(10),
});

/** Minimal by design: enough to decide "same child?" with the person in front of you, no more. */
export const PersonMatch = z
  .object({
    id: z.uuid(),
    score: z
      .number()
      .describe('Similarity of the names’ matching keys (the same name in any script scores 1), 0 to 1'),
    sameDateOfBirth: z.boolean(),
    sameNationalId: z.boolean(),
    birthYear: z.number().int().nullable(),
  })
  .meta({ id: 'PersonMatch' });

export const PersonMatches = z.object({ items: z.array(PersonMatch) }).meta({ id: 'PersonMatches' });

/** Merging a duplicate record into the record of the same child that stays (capability 12). */
export const PersonMerge = z
  .strictObject({
    survivorId: z.uuid().describe('The record that stays; the one in the path becomes a redirect to it'),
    survivorVersion: z
      .number()
      .int()
      .min(1)
      .describe('The version (ETag) of the survivor as read: If-Match for the second record'),
    reason: z.string().trim().min(1).max(1000).describe('Why the two records are the same child'),
  })
  .meta({ id: 'PersonMerge' });

export const PersonMergeResult = z
  .object({
    mergedId: z.uuid(),
    survivor: Person,
    movedCaseIds: z.array(z.uuid()),
    mergedAt: z.date(),
  })
  .meta({ id: 'PersonMergeResult' });

/** A merged record's answer: where the child's record is now (308, Location). */
export const PersonRedirect = z
  .object({
    id: z.uuid(),
    mergedInto: z.uuid(),
    mergedAt: z.date(),
  })
  .meta({ id: 'PersonRedirect' });
