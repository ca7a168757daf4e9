import { and, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { cases } from '../db/schema/cases.js';
import type { CaseFacts, Participant, PersonFacts } from './decide.js';
import { persons } from '../db/schema/persons.js';
import { legalAidAssignments } from '../db/schema/legal-aid.js';
import { socialWorkAssignments } from '../db/schema/social-work.js';
import { ACTIVE_SUPERVISION_STATUSES, supervisions } from '../db/schema/supervision.js';

/**
 * Loads what the decision needs to know about a case, and nothing else. Participants are the
 * active relationships only: an assignment that was declined or withdrawn relates nobody.
 */
export async function loadCaseFacts(tx: Executor, caseId: string): Promise<CaseFacts | null> {
  const [row] = await tx
    .select({
      id: cases.id,
      personId: cases.personId,
      courtOrgId: cases.courtOrgId,
      stage: cases.stage,
      referringOrgId: cases.referringOrgId,
      prosecutionOrgId: cases.prosecutionOrgId,
      sealedAt: cases.sealedAt,
      sealedOrderRef: cases.sealedOrderRef,
      expungedAt: cases.expungedAt,
    })
    .from(cases)
    .where(eq(cases.id, caseId));
  if (!row) return null;
  const participants: Participant[] = await loadParticipants(tx, caseId);
  return {
    id: row.id,
    personId: row.personId,
    courtOrgId: row.courtOrgId,
    referringOrgId: row.referringOrgId,
    prosecutionOrgId: row.prosecutionOrgId,
    sealed: row.sealedAt !== null || row.expungedAt !== null,
    sealedOrderRef: row.sealedOrderRef,
    expunged: row.expungedAt !== null,
    participants,
    closed: row.stage === 'closed',
  };
}

export async function loadPersonFacts(tx: Executor, personId: string): Promise<PersonFacts | null> {
  const [row] = await tx
    .select({ id: persons.id, createdByOrg: persons.createdByOrg, expungedAt: persons.expungedAt })
    .from(persons)
    .where(eq(persons.id, personId));
  if (!row) return null;
  const caseIds = await tx.select({ id: cases.id }).from(cases).where(eq(cases.personId, personId));
  const caseFacts: CaseFacts[] = [];
  for (const c of caseIds) {
    const f = await loadCaseFacts(tx, c.id);
    if (f) caseFacts.push(f);
  }
  return { id: row.id, createdByOrg: row.createdByOrg, expunged: row.expungedAt !== null, cases: caseFacts };
}

/**
 * The case's active professional relationships: accepted legal aid (not withdrawn or completed),
 * supervisions not yet completed or revoked, and active social work assignments.
 */
async function loadParticipants(tx: Executor, caseId: string): Promise<Participant[]> {
  // One after the other: a transaction is one connection, and pg refuses overlapping queries on it.
  const lawyers = await tx
    .select({ sub: legalAidAssignments.lawyerSub, refId: legalAidAssignments.id })
    .from(legalAidAssignments)
    .where(and(eq(legalAidAssignments.caseId, caseId), eq(legalAidAssignments.status, 'accepted')));
  const officers = await tx
    .select({ sub: supervisions.officerSub, refId: supervisions.id })
    .from(supervisions)
    .where(and(eq(supervisions.caseId, caseId), inArray(supervisions.status, ACTIVE_SUPERVISION_STATUSES)));
  const workers = await tx
    .select({ sub: socialWorkAssignments.socialWorkerSub, refId: socialWorkAssignments.id })
    .from(socialWorkAssignments)
    .where(and(eq(socialWorkAssignments.caseId, caseId), eq(socialWorkAssignments.status, 'active')));
  return [
    ...lawyers
      .filter((r): r is { sub: string; refId: string } => r.sub !== null)
      .map((r) => ({ kind: 'legal_aid' as const, ...r })),
    ...officers.map((r) => ({ kind: 'supervision' as const, ...r })),
    ...workers.map((r) => ({ kind: 'social_work' as const, ...r })),
  ];
}
