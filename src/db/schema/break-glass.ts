import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';

export const BREAK_GLASS_VERDICTS = ['justified', 'not_justified'] as const;

/**
 * Emergency access (SPEC 4.5): a related user opens sensitive records of one case for a short
 * window, with a written reason. Every read under it is flagged in the audit trail; auditors review
 * the grants. The reason is free text and is erased by expungement.
 */
export const breakGlassGrants = pgTable(
  'break_glass_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    sub: text('sub').notNull(),
    role: text('role').notNull(),
    orgId: text('org_id'),
    reason: text('reason'),
    openedAt: timestamp('opened_at', { withTimezone: true, precision: 3 }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    /** The reviewer's verdict (judge or auditor): was the emergency access justified? */
    reviewVerdict: text('review_verdict', { enum: BREAK_GLASS_VERDICTS }),
    reviewNote: text('review_note'),
    reviewedBy: text('reviewed_by'),
    reviewedRole: text('reviewed_role'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index('break_glass_case_idx').on(t.caseId, t.sub, t.expiresAt),
    index('break_glass_opened_idx').on(t.openedAt, t.id),
  ],
);
