import { type SQL, and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { insertRecordset } from '../../db/recordset.js';
import { caseEvents, cases, charges } from '../../db/schema/cases.js';
import { custodyEpisodes } from '../../db/schema/custody.js';
import { hearings } from '../../db/schema/hearings.js';
import {
  type ImportKind,
  type ImportLineOutcome,
  type ImportStatus,
  importExternalIds,
  importLines,
  imports,
} from '../../db/schema/imports.js';
import { organizations } from '../../db/schema/organizations.js';
import { persons } from '../../db/schema/persons.js';

export type ImportRow = typeof imports.$inferSelect;
export type ImportLineRow = typeof importLines.$inferSelect;

export interface KnownPerson {
  id: string;
  dateOfBirth: string | null;
  region: string | null;
  /** Expunged, or every case sealed or expunged: as unknown as at intake. */
  hidden: boolean;
  /** Open custody episode of the child (one at most, across cases). */
  detained: boolean;
  /** Open cases of the child (not closed, sealed or expunged), by court. */
  openCases: { id: string; courtOrgId: string }[];
}

export const importRepository = {
  async create(
    tx: Executor,
    values: Pick<typeof imports.$inferInsert, 'owner' | 'actorSub' | 'actorOrg' | 'clientId'>,
  ): Promise<ImportRow> {
    const [row] = await tx.insert(imports).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<ImportRow | null> {
    const [row] = await tx.select().from(imports).where(eq(imports.id, id));
    return row ?? null;
  },
  async addCounts(
    tx: Executor,
    id: string,
    d: { lines: number; created: number; duplicates: number; errors: number },
  ): Promise<void> {
    await tx
      .update(imports)
      .set({
        lines: sql`${imports.lines} + ${d.lines}`,
        created: sql`${imports.created} + ${d.created}`,
        duplicates: sql`${imports.duplicates} + ${d.duplicates}`,
        errors: sql`${imports.errors} + ${d.errors}`,
        updatedAt: sql`now()`,
      })
      .where(eq(imports.id, id));
  },
  async finish(tx: Executor, id: string, status: ImportStatus, bytes: number, problem: string | null) {
    const [row] = await tx
      .update(imports)
      .set({ status, bytes, problem, updatedAt: sql`now()`, completedAt: sql`now()` })
      .where(and(eq(imports.id, id), eq(imports.status, 'running')))
      .returning();
    return row ?? null;
  },
  async report(
    tx: Executor,
    id: string,
    q: { outcome?: ImportLineOutcome; after: number; limit: number },
  ): Promise<ImportLineRow[]> {
    const where: SQL[] = [eq(importLines.importId, id), gt(importLines.lineNo, q.after)];
    if (q.outcome) where.push(eq(importLines.outcome, q.outcome));
    return tx
      .select()
      .from(importLines)
      .where(and(...where))
      .orderBy(asc(importLines.lineNo))
      .limit(q.limit);
  },
  insertLines: (tx: Executor, rows: (typeof importLines.$inferInsert)[]) =>
    insertRecordset(tx, importLines, rows),

  /** The resources already imported under these external ids by this owner. */
  async knownIds(
    tx: Executor,
    owner: string,
    personIds: string[],
    caseIds: string[],
  ): Promise<Map<string, string>> {
    if (!personIds.length && !caseIds.length) return new Map();
    const t = importExternalIds;
    const rows = await tx
      .select({ kind: t.kind, externalId: t.externalId, resourceId: t.resourceId })
      .from(t)
      .where(
        and(
          eq(t.owner, owner),
          or(
            and(eq(t.kind, 'person'), inArray(t.externalId, personIds)),
            and(eq(t.kind, 'case'), inArray(t.externalId, caseIds)),
          ),
        ),
      );
    return new Map(rows.map((r) => [`${r.kind}:${r.externalId}`, r.resourceId]));
  },
  /**
   * Claims external ids for this import; returns the keys (`kind:id`) it got. A key another import
   * claimed first (a concurrent run of the same file) is not returned: that line is a duplicate.
   */
  async claimIds(
    tx: Executor,
    rows: { owner: string; kind: ImportKind; externalId: string; resourceId: string; importId: string }[],
  ): Promise<Set<string>> {
    const claimed = await insertRecordset(tx, importExternalIds, rows, {
      onConflictDoNothing: true,
      returning: sql`${importExternalIds.kind} AS kind, ${importExternalIds.externalId} AS external_id`,
    });
    return new Set(claimed.map((c) => `${c.kind}:${c.external_id}`));
  },
  /**
   * The national identity numbers among `ids` that a live record already holds (the unique index
   * persons_national_id_live_idx refuses a second one), whatever the caller may see.
   */
  async nationalIdsTaken(tx: Executor, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await tx
      .select({ nationalId: persons.nationalId })
      .from(persons)
      .where(
        and(
          inArray(persons.nationalId, ids),
          sql`${persons.expungedAt} IS NULL AND ${persons.mergedInto} IS NULL`,
        ),
      );
    return new Set(rows.map((r) => r.nationalId as string));
  },
  /** What intake needs to know of children already registered (a case line naming an earlier person). */
  async knownPersons(tx: Executor, ids: string[]): Promise<Map<string, KnownPerson>> {
    if (!ids.length) return new Map();
    const rows = rowsOf<{
      id: string;
      date_of_birth: string | null;
      region: string | null;
      hidden: boolean;
      detained: boolean;
      open_cases: { id: string; courtOrgId: string }[] | null;
    }>(
      await tx.execute(sql`
        SELECT p.id, p.date_of_birth::text AS date_of_birth, p.region,
               (p.expunged_at IS NOT NULL OR (
                  EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id) AND
                  NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id
                                AND c.sealed_at IS NULL AND c.expunged_at IS NULL))) AS hidden,
               EXISTS (SELECT 1 FROM custody_episodes e WHERE e.person_id = p.id AND e.released_at IS NULL) AS detained,
               (SELECT json_agg(json_build_object('id', c.id, 'courtOrgId', c.court_org_id))
                  FROM cases c WHERE c.person_id = p.id AND c.stage <> 'closed'
                   AND c.sealed_at IS NULL AND c.expunged_at IS NULL) AS open_cases
          FROM persons p WHERE p.id IN ${ids}`),
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          dateOfBirth: r.date_of_birth,
          region: r.region,
          hidden: r.hidden,
          detained: r.detained,
          openCases: r.open_cases ?? [],
        },
      ]),
    );
  },
  /** The kind of each registered organisation named. */
  async orgKinds(tx: Executor, ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await tx
      .select({ id: organizations.id, kind: organizations.kind })
      .from(organizations)
      .where(inArray(organizations.id, ids));
    return new Map(rows.map((r) => [r.id, r.kind]));
  },
  insertPersons: (tx: Executor, rows: (typeof persons.$inferInsert)[]) => insertRecordset(tx, persons, rows),
  insertCases: (tx: Executor, rows: (typeof cases.$inferInsert)[]) => insertRecordset(tx, cases, rows),
  insertCharges: (tx: Executor, rows: (typeof charges.$inferInsert)[]) => insertRecordset(tx, charges, rows),
  insertCustody: (tx: Executor, rows: (typeof custodyEpisodes.$inferInsert)[]) =>
    insertRecordset(tx, custodyEpisodes, rows),
  insertHearings: (tx: Executor, rows: (typeof hearings.$inferInsert)[]) =>
    insertRecordset(tx, hearings, rows),
  insertCaseEvents: (tx: Executor, rows: (typeof caseEvents.$inferInsert)[]) =>
    insertRecordset(tx, caseEvents, rows),
};
