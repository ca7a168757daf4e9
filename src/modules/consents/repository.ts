import { keysetAfter, type TimeCursor } from '../../lib/pagination.js';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { consents } from '../../db/schema/consents.js';

export type ConsentRow = typeof consents.$inferSelect;

export const consentRepository = {
  async insert(tx: Executor, values: typeof consents.$inferInsert): Promise<ConsentRow> {
    const [row] = await tx.insert(consents).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<ConsentRow | null> {
    const [row] = await tx.select().from(consents).where(eq(consents.id, id));
    return row ?? null;
  },
  /** Newest first, keyset-paginated on (created_at, id). */
  async listForPerson(
    tx: Executor,
    personId: string,
    after: TimeCursor | null,
    limit: number,
  ): Promise<ConsentRow[]> {
    return tx
      .select()
      .from(consents)
      .where(
        and(eq(consents.personId, personId), keysetAfter(consents.createdAt, consents.id, after, 'desc')),
      )
      .orderBy(desc(consents.createdAt), desc(consents.id))
      .limit(limit);
  },
  /** Confirms once, a consent waiting for it and not revoked: otherwise nothing is updated. */
  async confirm(tx: Executor, id: string, by: string, at: Date): Promise<ConsentRow | null> {
    const [row] = await tx
      .update(consents)
      .set({ confirmedBy: by, confirmedAt: at })
      .where(
        and(
          eq(consents.id, id),
          eq(consents.needsConfirmation, true),
          isNull(consents.confirmedBy),
          isNull(consents.revokedAt),
        ),
      )
      .returning();
    return row ?? null;
  },
  /**
   * Revokes once: a second revocation finds nothing to update. With `version` (the caller sent
   * If-Match), only that version is revoked, in the same statement.
   */
  async revoke(tx: Executor, id: string, by: string, at: Date, version?: number): Promise<ConsentRow | null> {
    const [row] = await tx
      .update(consents)
      .set({ revokedAt: at, revokedBy: by, version: sql`${consents.version} + 1` })
      .where(
        and(
          eq(consents.id, id),
          isNull(consents.revokedAt),
          ...(version === undefined ? [] : [eq(consents.version, version)]),
        ),
      )
      .returning();
    return row ?? null;
  },
};
