import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const IMPORT_STATUSES = ['running', 'completed', 'failed', 'interrupted'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const IMPORT_LINE_OUTCOMES = ['created', 'duplicate', 'error'] as const;
export type ImportLineOutcome = (typeof IMPORT_LINE_OUTCOMES)[number];
export const IMPORT_KINDS = ['person', 'case'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/**
 * One bulk import (POST /v1/imports, npm run import): who sent it, how far it got, its counts.
 * `owner` is whose external ids it used: `client:<client_id>` for a partner system, `org:<court>`
 * for the clerks of a court. Counters move with each batch, in the batch's transaction.
 */
export const imports = pgTable(
  'imports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    owner: text('owner').notNull(),
    actorSub: text('actor_sub').notNull(),
    actorOrg: text('actor_org'),
    clientId: text('client_id'),
    status: text('status', { enum: IMPORT_STATUSES }).notNull().default('running'),
    bytes: integer('bytes').notNull().default(0),
    lines: integer('lines').notNull().default(0),
    created: integer('created').notNull().default(0),
    duplicates: integer('duplicates').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    /** Why a failed import stopped (never a line's content). */
    problem: text('problem'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('imports_owner_idx').on(t.owner, t.createdAt)],
);

/**
 * The per-line report: one row per non-blank line, written with the batch that handled it. The
 * problems name fields and rules, never the values sent.
 */
export const importLines = pgTable(
  'import_lines',
  {
    importId: uuid('import_id')
      .notNull()
      .references(() => imports.id),
    lineNo: integer('line_no').notNull(),
    kind: text('kind', { enum: IMPORT_KINDS }),
    externalId: text('external_id'),
    outcome: text('outcome', { enum: IMPORT_LINE_OUTCOMES }).notNull(),
    resourceId: uuid('resource_id'),
    problems: jsonb('problems').$type<{ path: string; message: string }[]>(),
  },
  (t) => [primaryKey({ name: 'import_lines_pkey', columns: [t.importId, t.lineNo] })],
);

/**
 * A partner's own ids of what it imported, unique per owner and kind: a line whose external id is
 * already here is a duplicate, so running the same file again creates nothing.
 */
export const importExternalIds = pgTable(
  'import_external_ids',
  {
    owner: text('owner').notNull(),
    kind: text('kind', { enum: IMPORT_KINDS }).notNull(),
    externalId: text('external_id').notNull(),
    resourceId: uuid('resource_id').notNull(),
    importId: uuid('import_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'import_external_ids_pkey', columns: [t.owner, t.kind, t.externalId] })],
);
