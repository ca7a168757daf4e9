import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { alertAcknowledgements } from '../../db/schema/alerts.js';
import { custodyIncidents } from '../../db/schema/facilities.js';
import { breakGlassGrants } from '../../db/schema/break-glass.js';
import { caseEvents, cases, charges } from '../../db/schema/cases.js';
import { consents } from '../../db/schema/consents.js';
import { corrections } from '../../db/schema/corrections.js';
import { custodyEpisodes } from '../../db/schema/custody.js';
import { dispositions } from '../../db/schema/dispositions.js';
import { diversionConditions, diversions } from '../../db/schema/diversion.js';
import { handovers } from '../../db/schema/handovers.js';
import { hearings } from '../../db/schema/hearings.js';
import { legalAidAssignments } from '../../db/schema/legal-aid.js';
import { persons } from '../../db/schema/persons.js';
import { records } from '../../db/schema/records.js';
import { supervisionEntries, supervisions } from '../../db/schema/supervision.js';

/** Placeholder for free text a NOT NULL column cannot drop. */
const ERASED = '[expunged]';

export const sealingRepository = {
  async seal(tx: Executor, caseId: string, orderRef: string, at: Date) {
    const [row] = await tx
      .update(cases)
      .set({
        sealedAt: at,
        sealedOrderRef: orderRef,
        updatedAt: at,
        version: sql`${cases.version} + 1`,
      })
      .where(and(eq(cases.id, caseId), isNull(cases.sealedAt)))
      .returning({
        id: cases.id,
        personId: cases.personId,
        sealedAt: cases.sealedAt,
        sealedOrderRef: cases.sealedOrderRef,
      });
    return row ?? null;
  },

  /**
   * Erases the free text and sensitive content of one case in every table that holds some, and
   * marks it expunged (and sealed, so that every query that hides sealed cases hides it too).
   * Ids, stages, dates and coded values stay: they keep de-identified statistics whole.
   */
  async eraseCase(tx: Executor, caseId: string, orderRef: string, at: Date) {
    await tx
      .update(records)
      .set({ title: null, content: null, details: null, expungedAt: at })
      .where(eq(records.caseId, caseId));
    await tx.update(charges).set({ description: ERASED, details: null }).where(eq(charges.caseId, caseId));
    await tx.update(caseEvents).set({ summary: ERASED }).where(eq(caseEvents.caseId, caseId));
    await tx.update(breakGlassGrants).set({ reason: null }).where(eq(breakGlassGrants.caseId, caseId));
    await tx.update(custodyIncidents).set({ notes: null }).where(eq(custodyIncidents.caseId, caseId));
    await tx
      .update(alertAcknowledgements)
      .set({ note: null })
      .where(eq(alertAcknowledgements.caseId, caseId));
    await tx
      .update(custodyEpisodes)
      .set({ facility: ERASED, releaseReason: null })
      .where(eq(custodyEpisodes.caseId, caseId));
    await tx
      .update(diversions)
      .set({ provider: ERASED, outcomeNote: null })
      .where(eq(diversions.caseId, caseId));
    await tx
      .update(diversionConditions)
      .set({ description: ERASED, note: null })
      .where(eq(diversionConditions.caseId, caseId));
    await tx
      .update(hearings)
      .set({ purpose: ERASED, location: null, outcome: null, attendees: [], reason: null })
      .where(eq(hearings.caseId, caseId));
    await tx.update(dispositions).set({ notes: null }).where(eq(dispositions.caseId, caseId));
    await tx
      .update(handovers)
      .set({ reason: ERASED, responseNote: null, outcome: null })
      .where(eq(handovers.caseId, caseId));
    // The correction history keeps which field changed and when, not the values or the reason.
    await tx
      .update(corrections)
      .set({ oldValue: null, newValue: null, reason: ERASED })
      .where(eq(corrections.caseId, caseId));
    await tx
      .update(supervisions)
      .set({ conditions: [], endNote: null })
      .where(eq(supervisions.caseId, caseId));
    await tx.update(supervisionEntries).set({ notes: ERASED }).where(eq(supervisionEntries.caseId, caseId));
    await tx
      .update(legalAidAssignments)
      .set({ endReason: null })
      .where(eq(legalAidAssignments.caseId, caseId));
    const [row] = await tx
      .update(cases)
      .set({
        location: null,
        closedReason: null,
        expungedAt: at,
        sealedAt: sql`coalesce(${cases.sealedAt}, ${at.toISOString()}::timestamptz)`,
        sealedOrderRef: sql`coalesce(${cases.sealedOrderRef}, ${orderRef})`,
        updatedAt: at,
        version: sql`${cases.version} + 1`,
      })
      .where(eq(cases.id, caseId))
      .returning({ id: cases.id, personId: cases.personId, expungedAt: cases.expungedAt });
    return row;
  },

  /**
   * Stored POST responses kept for Idempotency-Key replays carry what they returned (names,
   * content): every one about the case or the child (as their audit rows named them), or whose
   * body names the case, the child, the child's consents or any row of the case in any table with
   * a `case_id` (hearings, records, assignments...; found in the catalogue, so tables added later
   * are covered), goes. A retry after this simply runs again, and is authorised like any request.
   */
  async forgetReplays(tx: Executor, c: { caseId: string; personId: string }) {
    const tables = rowsOf<{ table_name: string }>(
      await tx.execute(sql`
        SELECT k.table_name FROM information_schema.columns k
          JOIN information_schema.columns i
            ON i.table_schema = k.table_schema AND i.table_name = k.table_name AND i.column_name = 'id'
         WHERE k.table_schema = current_schema() AND k.column_name = 'case_id'
           AND k.table_name NOT IN ('audit_events', 'events', 'idempotency_keys')
         ORDER BY k.table_name`),
    ).map((r) => r.table_name);
    const ids = sql.join(
      [
        sql`SELECT ${c.caseId}::text AS id`,
        sql`SELECT ${c.personId}::text`,
        sql`SELECT id::text FROM consents WHERE person_id = ${c.personId}`,
        ...tables.map((t) => sql`SELECT id::text FROM ${sql.identifier(t)} WHERE case_id = ${c.caseId}`),
      ],
      sql` UNION ALL `,
    );
    await tx.execute(sql`
      DELETE FROM idempotency_keys
       WHERE case_id = ${c.caseId} OR person_id = ${c.personId}
          OR body LIKE ANY (SELECT '%' || id || '%' FROM (${ids}) AS named)`);
  },

  /** Whether the child has another case that is not expunged (their identity is still needed there). */
  async hasOtherLiveCase(tx: Executor, personId: string, caseId: string): Promise<boolean> {
    const [row] = await tx
      .select({ id: cases.id })
      .from(cases)
      .where(and(eq(cases.personId, personId), ne(cases.id, caseId), isNull(cases.expungedAt)))
      .limit(1);
    return Boolean(row);
  },

  /** Leaves the child's tombstone: id, sex, region and times, for de-identified statistics. */
  async erasePerson(tx: Executor, personId: string, at: Date) {
    await tx
      .update(persons)
      .set({
        givenName: null,
        familyName: null,
        dateOfBirth: null,
        guardians: [],
        // The matching keys are made of the names, and the national identity number names the child.
        givenKey: null,
        familyKey: null,
        nationalId: null,
        expungedAt: at,
        version: sql`${persons.version} + 1`,
      })
      .where(eq(persons.id, personId));
    await tx
      .update(consents)
      .set({ grantorName: null, evidenceRef: null })
      .where(eq(consents.personId, personId));
    await tx
      .update(corrections)
      .set({ oldValue: null, newValue: null, reason: ERASED })
      .where(eq(corrections.personId, personId));
  },
};
