import { and, asc, desc, eq, gt, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { custodyEpisodes } from '../../db/schema/custody.js';
import {
  custodyIncidents,
  facilities,
  facilityInspections,
  familyVisits,
} from '../../db/schema/facilities.js';
import { type TimeCursor, keysetAfter } from '../../lib/pagination.js';

export type FacilityRow = typeof facilities.$inferSelect;
export type EpisodeRow = typeof custodyEpisodes.$inferSelect;

export const facilityRepository = {
  async insert(tx: Executor, values: typeof facilities.$inferInsert): Promise<FacilityRow> {
    const [row] = await tx.insert(facilities).values(values).returning();
    return row;
  },
  async get(tx: Executor, id: string): Promise<FacilityRow | null> {
    const [row] = await tx.select().from(facilities).where(eq(facilities.id, id));
    return row ?? null;
  },
  /** By region then name, keyset on (name, id). */
  async list(
    tx: Executor,
    region: string | undefined,
    after: { name: string; id: string } | null,
    limit: number,
  ) {
    return tx
      .select()
      .from(facilities)
      .where(
        and(
          region ? eq(facilities.region, region) : undefined,
          after
            ? or(
                gt(facilities.name, after.name),
                and(eq(facilities.name, after.name), gt(facilities.id, after.id)),
              )
            : undefined,
        ),
      )
      .orderBy(asc(facilities.name), asc(facilities.id))
      .limit(limit);
  },
  async episode(tx: Executor, id: string): Promise<EpisodeRow | null> {
    const [row] = await tx.select().from(custodyEpisodes).where(eq(custodyEpisodes.id, id));
    return row ?? null;
  },
  async insertVisit(tx: Executor, values: typeof familyVisits.$inferInsert) {
    const [row] = await tx.insert(familyVisits).values(values).returning();
    return row;
  },
  async visits(tx: Executor, episodeId: string, after: TimeCursor | null, limit: number) {
    return tx
      .select()
      .from(familyVisits)
      .where(
        and(
          eq(familyVisits.custodyEpisodeId, episodeId),
          keysetAfter(familyVisits.occurredAt, familyVisits.id, after, 'desc'),
        ),
      )
      .orderBy(desc(familyVisits.occurredAt), desc(familyVisits.id))
      .limit(limit);
  },
  async insertIncident(tx: Executor, values: typeof custodyIncidents.$inferInsert) {
    const [row] = await tx.insert(custodyIncidents).values(values).returning();
    return row;
  },
  async incidents(tx: Executor, facilityId: string, after: TimeCursor | null, limit: number) {
    return tx
      .select()
      .from(custodyIncidents)
      .where(
        and(
          eq(custodyIncidents.facilityId, facilityId),
          keysetAfter(custodyIncidents.occurredAt, custodyIncidents.id, after, 'desc'),
        ),
      )
      .orderBy(desc(custodyIncidents.occurredAt), desc(custodyIncidents.id))
      .limit(limit);
  },
  async insertInspection(tx: Executor, values: typeof facilityInspections.$inferInsert) {
    const [row] = await tx.insert(facilityInspections).values(values).returning();
    return row;
  },
  async inspections(tx: Executor, facilityId: string, after: TimeCursor | null, limit: number) {
    return tx
      .select()
      .from(facilityInspections)
      .where(
        and(
          eq(facilityInspections.facilityId, facilityId),
          keysetAfter(facilityInspections.inspectedAt, facilityInspections.id, after, 'desc'),
        ),
      )
      .orderBy(desc(facilityInspections.inspectedAt), desc(facilityInspections.id))
      .limit(limit);
  },
};
