import { eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { cases } from '../db/schema/cases.js';
import type { CaseFacts, Participant, PersonFacts } from './decide.js';
import { persons } from '../db/schema/persons.js';

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
      referringOrgId: cases.referringOrgId,
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
    sealed: row.sealedAt !== null || row.expungedAt !== null,
    sealedOrderRef: row.sealedOrderRef,
    expunged: row.expungedAt !== null,
    participants,
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

/** Filled as modules add relationships (legal aid, supervision, social work). */
async function loadParticipants(_tx: Executor, _caseId: string): Promise<Participant[]> {
  return [];
}
