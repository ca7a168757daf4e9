import type { Executor } from '../../db/client.js';
import type { LEGAL_AID_REQUEST_SOURCES } from '../../db/schema/legal-aid.js';
import { caseLifecycle } from '../cases/lifecycle.js';
import type { CaseRow } from '../cases/repository.js';
import { type LegalAidRow, legalAidRepository } from './repository.js';

const SUMMARY: Record<(typeof LEGAL_AID_REQUEST_SOURCES)[number], string> = {
  clerk: 'Legal aid requested by the court',
  child: 'Legal aid requested by the child',
  intake_detention: 'Legal aid requested at intake: the child is detained',
};

/**
 * Recording that a child needs a lawyer, for the legal aid service and for intake (a detained child
 * is owed legal aid from the start, SPEC 6): the case is locked and checked by the caller.
 */
export const legalAidRequests = {
  async insert(
    tx: Executor,
    kase: CaseRow,
    actor: { sub: string; role: string },
    source: (typeof LEGAL_AID_REQUEST_SOURCES)[number],
    requestedAt: Date,
  ): Promise<LegalAidRow> {
    const row = await legalAidRepository.insert(tx, {
      caseId: kase.id,
      status: 'requested',
      requestSource: source,
      requestedBy: actor.sub,
      requestedAt,
    });
    await caseLifecycle.note(tx, kase.id, actor, {
      kind: 'legal_aid_requested',
      occurredAt: requestedAt,
      summary: SUMMARY[source],
      resourceType: 'legal_aid_assignment',
      resourceId: row.id,
    });
    return row;
  },
};
