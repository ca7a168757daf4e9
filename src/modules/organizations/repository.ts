import { and, arrayContains, asc, eq, gt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { changedAtVersion } from '../../lib/etag.js';
import { organizations, staff } from '../../db/schema/organizations.js';

export type OrganizationRow = typeof organizations.$inferSelect;
export type StaffRow = typeof staff.$inferSelect;

export const organizationRepository = {
  async insert(tx: Executor, values: typeof organizations.$inferInsert): Promise<OrganizationRow | null> {
    const [row] = await tx.insert(organizations).values(values).onConflictDoNothing().returning();
    return row ?? null;
  },
  async get(tx: Executor, id: string): Promise<OrganizationRow | null> {
    const [row] = await tx.select().from(organizations).where(eq(organizations.id, id));
    return row ?? null;
  },
  async list(tx: Executor, after: string | null, limit: number): Promise<OrganizationRow[]> {
    return tx
      .select()
      .from(organizations)
      .where(after ? gt(organizations.id, after) : undefined)
      .orderBy(asc(organizations.id))
      .limit(limit);
  },
};

export const staffRepository = {
  async get(tx: Executor, sub: string): Promise<StaffRow | null> {
    const [row] = await tx.select().from(staff).where(eq(staff.sub, sub));
    return row ?? null;
  },
  /** Locked until the transaction ends, so the If-Match check on it holds until the update. */
  async getForUpdate(tx: Executor, sub: string): Promise<StaffRow | null> {
    const [row] = await tx.select().from(staff).where(eq(staff.sub, sub)).for('update');
    return row ?? null;
  },
  /**
   * Null when the member exists already: a concurrent first PUT won (the insert waits for it to
   * commit rather than failing on the primary key).
   */
  async insert(
    tx: Executor,
    values: Omit<typeof staff.$inferInsert, 'version' | 'updatedAt'>,
  ): Promise<StaffRow | null> {
    const [row] = await tx.insert(staff).values(values).onConflictDoNothing().returning();
    return row ?? null;
  },
  /** Replaces the version read; 412 if another change got there first. */
  async replace(
    tx: Executor,
    existing: StaffRow,
    values: Omit<typeof staff.$inferInsert, 'version' | 'updatedAt'>,
  ): Promise<StaffRow> {
    return changedAtVersion(
      await tx
        .update(staff)
        .set({ ...values, version: existing.version + 1, updatedAt: new Date() })
        .where(and(eq(staff.sub, existing.sub), eq(staff.version, existing.version)))
        .returning(),
    );
  },
  async list(
    tx: Executor,
    filter: { role?: string; org?: string },
    after: string | null,
    limit: number,
  ): Promise<StaffRow[]> {
    return tx
      .select()
      .from(staff)
      .where(
        and(
          filter.role ? arrayContains(staff.roles, [filter.role]) : undefined,
          filter.org ? eq(staff.orgId, filter.org) : undefined,
          after ? gt(staff.sub, after) : undefined,
        ),
      )
      .orderBy(asc(staff.sub))
      .limit(limit);
  },
};
