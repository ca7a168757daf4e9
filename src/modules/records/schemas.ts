import { z } from 'zod';
import { RECORD_KINDS, SENSITIVE_CATEGORIES } from '../../db/schema/records.js';
import { PageQuery } from '../../lib/schemas.js';

/**
 * A sensitive record of a case. `kind` and `details` are the social worker's (assessments and
 * referrals); other roles sending them get 422 (src/access/properties.ts).
 */
export const RecordCreate = z
  .strictObject({
    category: z.enum(SENSITIVE_CATEGORIES),
    kind: z.enum(RECORD_KINDS).optional(),
    title: z.string().trim().min(1).max(300),
    content: z.string().min(1).max(100_000),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'RecordCreate' });

/**
 * Shaped per role (an allowlist) and per category: when the category is withheld, title, content
 * and details are left out and `withheld` is true.
 */
export const SensitiveRecord = z
  .object({
    id: z.uuid(),
    caseId: z.uuid().optional(),
    category: z.enum(SENSITIVE_CATEGORIES).optional(),
    kind: z.enum(RECORD_KINDS).optional(),
    withheld: z.boolean().describe('True when the content is left out for want of consent or order'),
    title: z.string().nullable().optional(),
    content: z.string().nullable().optional(),
    details: z.record(z.string(), z.unknown()).nullable().optional(),
    createdBy: z.string().optional(),
    createdByRole: z.string().optional(),
    createdAt: z.date().optional(),
  })
  .meta({ id: 'SensitiveRecord' });

export const RecordView = SensitiveRecord.extend({
  categoriesWithheld: z.array(z.enum(SENSITIVE_CATEGORIES)),
}).meta({ id: 'RecordView' });

export const RecordPage = z
  .object({
    items: z.array(SensitiveRecord),
    nextCursor: z.string().nullable(),
    categoriesWithheld: z
      .array(z.enum(SENSITIVE_CATEGORIES))
      .describe('Categories of this page whose content was left out'),
  })
  .meta({ id: 'RecordPage' });

export const RecordListQuery = PageQuery.extend({
  category: z.enum(SENSITIVE_CATEGORIES).optional(),
});
