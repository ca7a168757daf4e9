import { type SQL, eq, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../db/client.js';
import { persons } from '../db/schema/persons.js';
import { ACTIVE_SUPERVISION_STATUSES } from '../db/schema/supervision.js';
import type { CaseFacts, Incoming, Participant, PersonFacts } from './decide.js';

/**
 * Loads what the decision needs to know about a case, and nothing else, in one statement (one
 * round trip: reads are the hot path). Participants are the active relationships only: an
 * accepted legal aid assignment (not withdrawn or completed), a supervision not yet completed or
 * revoked, an active social work assignment; a declined or withdrawn one relates nobody.
 */
export async function loadCaseFacts(tx: Executor, caseId: string): Promise<CaseFacts | null> {
  const [row] = await selectCaseFacts(tx, sql`c.id = ${caseId}`);
  return row ?? null;
}

interface CaseFactsRow {
  id: string;
  person_id: string;
  court_org_id: string;
  referring_org_id: string | null;
  prosecution_org_id: string | null;
  closed: boolean;
  intake_pending: boolean;
  sealed: boolean;
  sealed_order_ref: string | null;
  expunged: boolean;
  participants: Participant[] | null;
  incoming: Incoming[] | null;
}

async function selectCaseFacts(tx: Executor, where: SQL): Promise<CaseFacts[]> {
  const active = sql.join(
    ACTIVE_SUPERVISION_STATUSES.map((s) => sql`${s}`),
    sql`, `,
  );
  const rows = rowsOf<CaseFactsRow>(
    await tx.execute(sql`
      SELECT c.id, c.person_id, c.court_org_id, c.referring_org_id, c.prosecution_org_id,
             (c.stage = 'closed') AS closed,
             (c.intake_status = 'pending_acceptance') AS intake_pending,
             (c.sealed_at IS NOT NULL OR c.expunged_at IS NOT NULL) AS sealed, c.sealed_order_ref,
             (c.expunged_at IS NOT NULL) AS expunged,
             (SELECT json_agg(p) FROM (
                SELECT 'legal_aid' AS kind, l.lawyer_sub AS sub, l.id AS "refId", l.legal_aid_org_id AS "orgId"
                  FROM legal_aid_assignments l
                 WHERE l.case_id = c.id AND l.status = 'accepted' AND l.lawyer_sub IS NOT NULL
                UNION ALL
                SELECT 'supervision', s.officer_sub, s.id, s.officer_org_id
                  FROM supervisions s WHERE s.case_id = c.id AND s.status IN (${active})
                UNION ALL
                SELECT 'social_work', w.social_worker_sub, w.id, w.org_id
                  FROM social_work_assignments w WHERE w.case_id = c.id AND w.status = 'active'
             ) p) AS participants,
             -- Handovers relate their receiving organisation while open (RECEIVING_STATUSES).
             (SELECT json_agg(json_build_object('kind', h.kind, 'orgId', h.to_org_id, 'refId', h.id))
                FROM handovers h
               WHERE h.case_id = c.id
                 AND (h.status = 'sent' OR (h.kind = 'referral' AND h.status IN ('accepted', 'in_progress')))
             ) AS incoming
        FROM cases c
       WHERE ${where}`),
  );
  return rows.map((r) => ({
    id: r.id,
    personId: r.person_id,
    courtOrgId: r.court_org_id,
    referringOrgId: r.referring_org_id,
    prosecutionOrgId: r.prosecution_org_id,
    sealed: r.sealed,
    sealedOrderRef: r.sealed_order_ref,
    expunged: r.expunged,
    participants: r.participants ?? [],
    closed: r.closed,
    intakePending: r.intake_pending,
    incoming: r.incoming ?? [],
  }));
}

export async function loadPersonFacts(tx: Executor, personId: string): Promise<PersonFacts | null> {
  const [row] = await tx
    .select({
      id: persons.id,
      createdByOrg: persons.createdByOrg,
      expungedAt: persons.expungedAt,
      mergedInto: persons.mergedInto,
    })
    .from(persons)
    .where(eq(persons.id, personId));
  if (!row) return null;
  // Every case of the child with its participants in one statement, not one round trip per case.
  const caseFacts = await selectCaseFacts(tx, sql`c.person_id = ${personId}`);
  return {
    id: row.id,
    createdByOrg: row.createdByOrg,
    expunged: row.expungedAt !== null,
    merged: row.mergedInto !== null,
    cases: caseFacts,
  };
}
