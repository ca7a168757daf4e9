import { and, eq, gt } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { breakGlassGrants } from '../db/schema/break-glass.js';
import { consents } from '../db/schema/consents.js';
import { courtOrders } from '../db/schema/court-orders.js';
import type { SensitiveCategory } from '../db/schema/records.js';
import type { SensitiveFacts } from './decide.js';

/**
 * Loads what rules 3 and 5 need for one case: the child's consents, the orders recorded on the
 * case, and the caller's break-glass grants that have not expired. Read on every request (no cache),
 * so that a revocation or an expiry takes effect on the very next one; decide() checks the periods.
 */
export async function loadSensitiveFacts(
  tx: Executor,
  c: { id: string; personId: string },
  sub: string,
  categories: SensitiveCategory[],
  now: Date,
): Promise<SensitiveFacts> {
  // One after another: a transaction is one connection, and pg refuses to pipeline queries on it.
  const consentRows = await tx.select().from(consents).where(eq(consents.personId, c.personId));
  const orderRows = await tx.select().from(courtOrders).where(eq(courtOrders.caseId, c.id));
  const glassRows = await tx
    .select()
    .from(breakGlassGrants)
    .where(
      and(
        eq(breakGlassGrants.caseId, c.id),
        eq(breakGlassGrants.sub, sub),
        gt(breakGlassGrants.expiresAt, now),
      ),
    );
  return {
    now,
    categories,
    consents: consentRows.map((k) => ({
      id: k.id,
      personId: k.personId,
      categories: k.categories,
      purposes: k.purposes,
      grantee: { type: k.granteeType, value: k.granteeValue },
      validFrom: k.validFrom,
      validUntil: k.validUntil,
      revokedAt: k.revokedAt,
      confirmed: !k.needsConfirmation || k.confirmedBy !== null,
    })),
    courtOrders: orderRows.map((o) => ({
      id: o.id,
      caseId: o.caseId,
      categories: o.categories,
      purposes: o.purposes,
      grantees: o.grantees,
      validFrom: o.validFrom,
      validUntil: o.validUntil,
      revokedAt: o.revokedAt,
    })),
    breakGlass: glassRows.map((g) => ({
      id: g.id,
      caseId: g.caseId,
      sub: g.sub,
      openedAt: g.openedAt,
      expiresAt: g.expiresAt,
    })),
  };
}
