import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { caseEvents } from '../../db/schema/cases.js';

export type CaseEventRow = typeof caseEvents.$inferSelect;
export type EventKeyset = { occurredAt: string; recordedAt: string; seq: number } | null;

export const timelineRepository = {
  /** A case's events in the order they happened, keyset-paginated on (occurred_at, recorded_at, seq). */
  async events(tx: Executor, caseId: string, after: EventKeyset, limit: number): Promise<CaseEventRow[]> {
    return tx
      .select()
      .from(caseEvents)
      .where(
        and(
          eq(caseEvents.caseId, caseId),
          after
            ? sql`(${caseEvents.occurredAt}, ${caseEvents.recordedAt}, ${caseEvents.seq}) > (${after.occurredAt}::timestamptz, ${after.recordedAt}::timestamptz, ${after.seq}::bigint)`
            : undefined,
        ),
      )
      .orderBy(asc(caseEvents.occurredAt), asc(caseEvents.recordedAt), asc(caseEvents.seq))
      .limit(limit);
  },
};
