import { z } from 'zod';
import { IMPORT_LINE_OUTCOMES, IMPORT_KINDS, IMPORT_STATUSES } from '../../db/schema/imports.js';
import { IsoDateTime } from '../../lib/schemas.js';
import { CaseCreate } from '../cases/schemas.js';
import { PersonCreate } from '../persons/schemas.js';

/**
 * The partner's own id of a record, unique per partner and kind. Not personal data: never a
 * national identity number or a name (it is kept in the import report and the id table).
 */
export const ExternalId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.:@/#-]+$/, 'letters, digits and . _ : @ / # - only')
  .describe('The partner’s own id of the record; unique per partner and kind');

/** A child, as `POST /v1/persons` takes it, with the partner's id. */
export const ImportPersonLine = PersonCreate.extend({
  type: z.literal('person'),
  externalId: ExternalId,
}).meta({ id: 'ImportPersonLine' });

/** A custody episode already started (and perhaps ended) before the import. */
export const ImportCustodyEpisode = z
  .strictObject({
    kind: z
      .literal('pre_trial')
      .describe('Pre-trial detention (sentenced custody needs a disposition: not imported)'),
    facility: z.string().min(1).max(200),
    startedAt: IsoDateTime.describe('Not in the future, not before the offence'),
    releasedAt: IsoDateTime.optional().describe(
      'Not in the future, not before it started; absent: still detained',
    ),
    releaseReason: z.string().min(1).max(1000).optional(),
  })
  .meta({ id: 'ImportCustodyEpisode' });

/** A hearing already held before the import. */
export const ImportHeldHearing = z
  .strictObject({
    purpose: z.string().min(1).max(200),
    scheduledAt: IsoDateTime.describe('Not before the intake'),
    heldAt: IsoDateTime.describe('Not in the future, not before the intake'),
    outcome: z.string().min(1).max(2000),
    attendees: z.array(z.string().min(1).max(200)).max(50).default([]),
    location: z.string().max(500).optional(),
    childFriendlyCourtroom: z.boolean().default(false),
  })
  .meta({ id: 'ImportHeldHearing' });

/**
 * A case, as `POST /v1/cases` takes it, naming its child by the partner's id (a person line of this
 * import or of an earlier one), with its custody episodes and the hearings already held.
 */
export const ImportCaseLine = CaseCreate.omit({ personId: true })
  .extend({
    type: z.literal('case'),
    externalId: ExternalId,
    personExternalId: ExternalId.describe('The externalId of the child’s person line'),
    custodyEpisodes: z.array(ImportCustodyEpisode).max(20).default([]),
    hearings: z.array(ImportHeldHearing).max(50).default([]),
  })
  .meta({ id: 'ImportCaseLine' });

export const ImportLine = z.discriminatedUnion('type', [ImportPersonLine, ImportCaseLine]);
export type ImportPersonLineT = z.infer<typeof ImportPersonLine>;
export type ImportCaseLineT = z.infer<typeof ImportCaseLine>;

const FieldProblem = z.object({ path: z.string().max(500), message: z.string().max(1000) });

export const ImportLineReport = z
  .object({
    line: z.number().int().describe('Line number in the file, from 1'),
    type: z.enum(IMPORT_KINDS).nullable(),
    externalId: z.string().max(200).nullable(),
    outcome: z.enum(IMPORT_LINE_OUTCOMES),
    resourceId: z
      .uuid()
      .nullable()
      .describe('The person or case created, or, for a duplicate, the one created before'),
    problems: z.array(FieldProblem).max(50).nullable().describe('For an error: each field and rule broken'),
  })
  .meta({ id: 'ImportLineReport' });

export const Import = z
  .object({
    id: z.uuid(),
    status: z.enum(IMPORT_STATUSES),
    lines: z.number().int().describe('Lines handled so far (blank lines are not counted)'),
    created: z.number().int(),
    duplicates: z.number().int(),
    errors: z.number().int(),
    bytes: z.number().int(),
    problem: z.string().max(1000).nullable().describe('Why a failed import stopped'),
    createdAt: z.date(),
    updatedAt: z.date(),
    completedAt: z.date().nullable(),
    report: z
      .object({ items: z.array(ImportLineReport).max(1000), nextCursor: z.string().max(50).nullable() })
      .describe(
        'One page of the per-line report, in line order. POST answers with the lines in error only ' +
          '(empty when none failed; more with GET ?outcome=error&cursor=nextCursor); GET with the ' +
          'lines its query asks for (every outcome unless `outcome` is given)',
      ),
  })
  .meta({ id: 'Import' });

export const ImportIdParam = z.object({ id: z.uuid() });

export const ImportReportQuery = z.object({
  outcome: z.enum(IMPORT_LINE_OUTCOMES).optional().describe('Only the lines with this outcome'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(50).optional().describe('nextCursor of the previous page'),
});
