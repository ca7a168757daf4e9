import type { z } from 'zod';
import { type Allowed, authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { assertWritable } from '../../access/properties.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import { AppError, notFound, unprocessable } from '../../lib/errors.js';
import { checkIfMatch } from '../../lib/etag.js';
import { readEventClock } from '../../lib/event-time.js';
import { withTransaction } from '../../lib/transaction.js';
import {
  type FieldChange,
  assertPatchesSomething,
  correctionHistory,
  fieldChanges,
} from '../corrections/service.js';
import { organizationRepository } from '../organizations/repository.js';
import { personRepository } from '../persons/repository.js';
import { type CaseRow, caseRepository } from './repository.js';
import type { CasePatch } from './schemas.js';
import { caseView, juvenileAge } from './service.js';

const CASE_FIELDS = [
  'intakeKind',
  'offenceDate',
  'intakeAt',
  'agency',
  'location',
  'detained',
  'guardiansNotifiedAt',
  'prosecutionOrgId',
] as const;
const DATE_FIELDS = ['offenceDate', 'intakeAt', 'guardiansNotifiedAt'] as const;

/**
 * If-Match, required on corrections, checked under the row's lock so that two clerks correcting
 * the same version cannot both win; the refusal is audited like any other.
 */
export function requireIfMatch(
  ifMatch: string | undefined,
  version: number,
  decision: Allowed,
  entry: { resourceType: string; resourceId: string; caseId?: string | null; personId?: string | null },
) {
  try {
    checkIfMatch(ifMatch, version);
  } catch (err) {
    if (err instanceof AppError)
      err.withAudit({ action: 'update', ...entry, decision, outcome: 'denied', reason: err.detail ?? null });
    throw err;
  }
}

/**
 * Corrections of a case (SPEC 6): intake data and charges, by the owning court's clerk (or, for a
 * sealed case, the sealing court naming its order), each field's previous value kept in the history.
 */
export function caseCorrectionService(db: Db, config: Config) {
  /** Charges: amend, add under a new id, or withdraw (null); each change one history entry. */
  async function correctCharges(
    tx: Executor,
    kase: CaseRow,
    patch: NonNullable<z.infer<typeof CasePatch>['charges']>,
  ): Promise<FieldChange[]> {
    const changes: FieldChange[] = [];
    const current = await caseRepository.charges(tx, kase.id);
    const now = new Date();
    for (const [id, value] of Object.entries(patch)) {
      const path = `body.charges.${id}`;
      const charge = current.find((c) => c.id === id);
      if (value === null) {
        if (!charge)
          throw unprocessable('No such charge on this case', [{ path, message: 'unknown charge' }]);
        if (charge.withdrawnAt) continue;
        await caseRepository.updateCharge(tx, id, { withdrawnAt: now });
        changes.push({
          field: `charges.${id}`,
          oldValue: { code: charge.code, description: charge.description },
          newValue: null,
        });
      } else if (!charge) {
        if (!value.code || !value.description) {
          throw unprocessable('A charge added needs a code and a description', [
            { path, message: 'code and description required to add a charge' },
          ]);
        }
        if (await caseRepository.chargeById(tx, id)) {
          throw unprocessable('The charge id is already used', [{ path, message: 'id in use' }]);
        }
        await caseRepository.addCharge(tx, kase.id, id, value.code, value.description);
        changes.push({
          field: `charges.${id}`,
          oldValue: null,
          newValue: { code: value.code, description: value.description },
        });
      } else {
        if (charge.withdrawnAt) {
          throw unprocessable('A withdrawn charge cannot be amended', [{ path, message: 'withdrawn' }]);
        }
        const amended = fieldChanges(charge, value, ['code', 'description']);
        if (amended.length === 0) continue;
        await caseRepository.updateCharge(tx, id, value);
        changes.push(...amended.map((c) => ({ ...c, field: `charges.${id}.${c.field}` })));
      }
    }
    if ((await caseRepository.activeCharges(tx, kase.id)).length === 0) {
      throw unprocessable('A case keeps at least one charge; dismiss or close the case instead', [
        { path: 'body.charges', message: 'would withdraw every charge' },
      ]);
    }
    return changes;
  }

  return {
    async correct(
      ctx: RequestContext,
      caseId: string,
      patch: z.infer<typeof CasePatch>,
      ifMatch: string | undefined,
    ) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'case:correct', {
          resourceType: 'case',
          resourceId: caseId,
          caseId,
        });
        const entry = { resourceType: 'case', resourceId: caseId, caseId };
        // Sealed cases pass only for the sealing court with its order (decided above); expunged never.
        const kase = await caseRepository.getForUpdate(tx, caseId);
        if (!kase || kase.expungedAt) throw notFound('case');
        requireIfMatch(ifMatch, kase.version, decision, entry);
        assertWritable('case', decision.role, Object.keys(patch));
        assertPatchesSomething(patch);

        const proposed: Record<string, unknown> = {};
        for (const f of CASE_FIELDS) if (f in patch) proposed[f] = patch[f];
        for (const f of DATE_FIELDS) {
          const v = patch[f];
          if (typeof v === 'string') proposed[f] = new Date(v);
        }
        const caseChanges = fieldChanges(kase, proposed, CASE_FIELDS);
        const values: Record<string, unknown> = Object.fromEntries(
          caseChanges.map((c) => [c.field, proposed[c.field]]),
        );

        const offenceDate = (values.offenceDate as Date | undefined) ?? kase.offenceDate;
        const intakeAt = (values.intakeAt as Date | undefined) ?? kase.intakeAt;
        // True dates (src/lib/event-time.ts): none after the database clock.
        const clock = await readEventClock(tx, config);
        const now = clock.now;
        clock.check(
          ...DATE_FIELDS.flatMap((f) => {
            const v = values[f];
            return v instanceof Date ? [{ path: `body.${f}`, at: v }] : [];
          }),
        );
        if (offenceDate > intakeAt) {
          throw unprocessable('The offence cannot follow the intake', [
            { path: 'body.offenceDate', message: 'after intakeAt' },
          ]);
        }
        if ('offenceDate' in values) {
          const person = await personRepository.get(tx, kase.personId);
          if (person?.dateOfBirth)
            values.ageAtOffence = juvenileAge(config, person.dateOfBirth, offenceDate, 'body.offenceDate');
        }
        if (typeof values.prosecutionOrgId === 'string') {
          const office = await organizationRepository.get(tx, values.prosecutionOrgId);
          if (office?.kind !== 'prosecution') {
            throw unprocessable('The prosecution office is not registered', [
              { path: 'body.prosecutionOrgId', message: 'not a registered prosecution office' },
            ]);
          }
        }

        const chargeChanges = patch.charges ? await correctCharges(tx, kase, patch.charges) : [];
        const changes = [...caseChanges, ...chargeChanges];
        let row = kase;
        if (changes.length > 0) {
          row = await caseRepository.correct(tx, kase, values);
          await correctionHistory.record(
            tx,
            ctx,
            decision,
            { resourceType: 'case', resourceId: caseId, caseId, personId: kase.personId },
            changes,
            patch.reason,
          );
          await caseRepository.appendEvent(tx, {
            caseId,
            kind: 'case_corrected',
            occurredAt: now,
            actorSub: ctx.caller.sub,
            actorRole: decision.role,
            summary: `Corrected: ${fieldList(changes)}`,
            resourceType: 'case',
            resourceId: caseId,
          });
        }
        await audit({
          action: 'update',
          ...entry,
          personId: kase.personId,
          decision,
          outcome: 'allowed',
          reason: changes.length ? `corrected ${fieldList(changes)}` : 'correction changed nothing',
        });
        const found = await caseRepository.getWithDetails(tx, row.id);
        if (!found) throw notFound('case');
        return caseView(found.row, found.charges, found.child, decision.role);
      });
    },
  };
}

/** Field names only (never values): what the timeline and the audit row say about a correction. */
export function fieldList(changes: FieldChange[]): string {
  return [...new Set(changes.map((c) => (c.field.startsWith('charges.') ? 'charges' : c.field)))].join(', ');
}

/**
 * What a correction of a child's details means for their cases: the age at the offence follows a
 * corrected date of birth (and must stay within the jurisdiction, 422 otherwise), and every case
 * of the child records the correction on its timeline.
 */
export const childCorrections = {
  async applyToCases(
    tx: Executor,
    config: Config,
    decision: Allowed,
    actorSub: string,
    personId: string,
    changes: FieldChange[],
    dateOfBirth: string | null,
  ) {
    const kases = await caseRepository.ofPerson(tx, personId);
    const dobChanged = changes.some((c) => c.field === 'dateOfBirth');
    for (const kase of kases) {
      if (dobChanged && dateOfBirth) {
        const age = juvenileAge(config, dateOfBirth, kase.offenceDate, 'body.dateOfBirth');
        if (age !== kase.ageAtOffence) await caseRepository.correct(tx, kase, { ageAtOffence: age });
      }
      await caseRepository.appendEvent(tx, {
        caseId: kase.id,
        kind: 'child_corrected',
        occurredAt: new Date(),
        actorSub,
        actorRole: decision.role,
        summary: `Child's details corrected: ${fieldList(changes)}`,
        resourceType: 'person',
        resourceId: personId,
      });
    }
  },
};
