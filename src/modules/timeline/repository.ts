import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { caseEvents } from '../../db/schema/cases.js';

export type CaseEventRow = typeof caseEvents.$inferSelect;
export type EventKeyset = { occurredAt: string; recordedAt: string; id: string } | null;

export const timelineRepository = {
  /** A case's events, oldest first, keyset-paginated on (occurred_at, recorded_at, id). */
  async events(tx: Executor, caseId: string, after: EventKeyset, limit: number): Promise<CaseEventRow[]> {
    return tx
      .select()
      .from(caseEvents)
      .where(
        and(
          eq(caseEvents.caseId, caseId),
          after
            ? sql`(${caseEvents.occurredAt}, ${caseEvents.recordedAt}, ${caseEvents.id}) > (${after.occurredAt}::timestamptz, ${after.recordedAt}::timestamptz, ${after.id}::uuid)`
            : undefined,
        ),
      )
      .orderBy(asc(caseEvents.occurredAt), asc(caseEvents.recordedAt), asc(caseEvents.id))
      .limit(limit);
  },
};
