import type { z } from 'zod';
import {
  authorize,
  authorizeFirst,
  authorizeIntakeAcceptance,
  casesHoldingChild,
} from '../../access/authorize.js';
import { shapeFor } from '../../access/properties.js';
import { type Role, intakeActions } from '../../access/roles.js';
import type { RequestContext } from '../../access/caller.js';
import { visibleCasesCondition } from '../../access/scope.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { conflict, notFound, unprocessable } from '../../lib/errors.js';
import { writeEvent } from '../events/outbox.js';
import { readEventClock } from '../../lib/event-time.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { organizationRepository } from '../organizations/repository.js';
import { legalAidRequests } from '../legal-aid/requests.js';
import { personRepository } from '../persons/repository.js';
import { type CaseCharge, type CaseChild, type CaseRow, caseRepository } from './repository.js';
import type { Case, CaseCreate, CaseListQuery } from './schemas.js';

/** Whole years between a date of birth (YYYY-MM-DD) and a moment, on the calendar (UTC). */
export function ageOn(dateOfBirth: string, at: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number);
  let age = at.getUTCFullYear() - y;
  const month = at.getUTCMonth() + 1;
  if (month < m || (month === m && at.getUTCDate() < d)) age -= 1;
  return age;
}

/** The case as the acting role is shown it: an allowlist per role (src/access/properties.ts). */
export function caseView(row: CaseRow, charges: CaseCharge[], child: CaseChild, role: Role) {
  const full = {
    ...row,
    charges: charges.map((c) => ({
      id: c.id,
      code: c.code,
      description: c.description,
      // Read back as JSON (getWithDetails) the time is a string; the schema wants a date.
      withdrawnAt: c.withdrawnAt ? new Date(c.withdrawnAt) : null,
    })),
    child,
  };
  // The response schema checks the shaped object at run time; the role lists keep the required fields.
  return { ...shapeFor('case', role, full), version: row.version } as z.output<typeof Case> & {
    version: number;
  };
}

/**
 * The child's age at the offence, which must lie within the juvenile jurisdiction (422 naming
 * `path` otherwise): at intake, and again when the offence date or the date of birth is corrected.
 */
export function juvenileAge(config: Config, dateOfBirth: string, offenceDate: Date, path: string): number {
  const age = ageOn(dateOfBirth, offenceDate);
  const min = config.MIN_AGE_CRIMINAL_RESPONSIBILITY;
  const max = config.JUVENILE_UPPER_AGE;
  if (age < min || age > max) {
    throw unprocessable(
      `The child's age at the offence is outside the juvenile jurisdiction (${min} to ${max} years)`,
      [{ path, message: `age at offence must be between ${min} and ${max}` }],
    );
  }
  return age;
}

export function caseService(db: Db, config: Config) {
  return {
    async create(ctx: RequestContext, input: z.infer<typeof CaseCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorizeFirst(tx, ctx, intakeActions(input.intakeKind), {
          resourceType: 'case',
          personId: input.personId,
        });
        const isPartner = decision.role === 'partner_system';
        // Property rule: only partner systems name the court; a clerk's case belongs to the clerk's court.
        if (!isPartner && input.courtOrgId !== undefined) {
          throw unprocessable('courtOrgId may not be set by your role', [
            { path: 'body.courtOrgId', message: 'not writable by your role' },
          ]);
        }
        const courtOrgId = isPartner ? input.courtOrgId : ctx.caller.org;
        if (!courtOrgId) {
          throw unprocessable('The owning court is required', [
            { path: 'body.courtOrgId', message: 'required' },
          ]);
        }
        const court = await organizationRepository.get(tx, courtOrgId);
        if (court?.kind !== 'court') {
          throw unprocessable('The owning court is not a registered court', [
            { path: isPartner ? 'body.courtOrgId' : 'token.org', message: 'not a registered court' },
          ]);
        }
        if (input.prosecutionOrgId !== undefined) {
          const office = await organizationRepository.get(tx, input.prosecutionOrgId);
          if (office?.kind !== 'prosecution') {
            throw unprocessable('The prosecution office is not registered', [
              { path: 'body.prosecutionOrgId', message: 'not a registered prosecution office' },
            ]);
          }
        }
        const person = await personRepository.get(tx, input.personId);
        // A child whose every case is sealed is as invisible here as in matches and reads; a merged
        // record is a redirect (the child's cases are opened on the survivor).
        if (
          !person ||
          person.expungedAt ||
          person.mergedInto ||
          !person.dateOfBirth ||
          (await caseRepository.onlyHiddenCases(tx, person.id))
        ) {
          throw unprocessable('The child is not registered', [
            { path: 'body.personId', message: 'unknown person' },
          ]);
        }
        const offenceDate = new Date(input.offenceDate);
        const intakeAt = new Date(input.intakeAt);
        const guardiansNotifiedAt = input.guardiansNotifiedAt ? new Date(input.guardiansNotifiedAt) : null;
        const clock = await readEventClock(tx, config);
        clock.check(
          { path: 'body.offenceDate', at: offenceDate },
          { path: 'body.intakeAt', at: intakeAt },
          ...(guardiansNotifiedAt
            ? [
                {
                  path: 'body.guardiansNotifiedAt',
                  at: guardiansNotifiedAt,
                  notBefore: [{ at: offenceDate, what: 'the offence' }],
                },
              ]
            : []),
        );
        if (offenceDate > intakeAt) {
          throw unprocessable('The offence cannot follow the intake', [
            { path: 'body.offenceDate', message: 'after intakeAt' },
          ]);
        }
        const age = juvenileAge(config, person.dateOfBirth, offenceDate, 'body.offenceDate');
        // Issue 8.5: children move between courts. A case on a child another court holds an open case
        // for is allowed, waits for the intake rules to accept it, and is told to that court.
        const holding = await casesHoldingChild(tx, person.id, courtOrgId);
        const row = await caseRepository.insert(tx, {
          personId: person.id,
          courtOrgId,
          intakeStatus: holding.length ? 'pending_acceptance' : 'accepted',
          referringOrgId: isPartner ? ctx.caller.org : null,
          referringSub: isPartner ? ctx.caller.sub : null,
          prosecutionOrgId: input.prosecutionOrgId ?? null,
          intakeKind: input.intakeKind,
          offenceDate,
          intakeAt,
          agency: input.agency,
          location: input.location ?? null,
          detained: input.detained,
          guardiansNotifiedAt,
          ageAtOffence: age,
          region: person.region,
          createdBy: ctx.caller.sub,
        });
        const charges = await caseRepository.insertCharges(tx, row.id, input.charges);
        await caseRepository.appendEvent(tx, {
          caseId: row.id,
          kind: input.intakeKind,
          occurredAt: intakeAt,
          actorSub: ctx.caller.sub,
          actorRole: decision.role,
          summary: `${input.intakeKind === 'arrest' ? 'Arrest' : 'Referral'} registered${input.detained ? ', child detained' : ''}`,
          resourceType: 'case',
          resourceId: row.id,
        });
        // A detained child is owed a lawyer from the start: intake opens the request (issue 14).
        if (input.detained) {
          await legalAidRequests.insert(
            tx,
            row,
            { sub: ctx.caller.sub, role: decision.role },
            'intake_detention',
            intakeAt,
          );
        }
        if (holding.length) {
          await caseRepository.appendEvent(tx, {
            caseId: row.id,
            kind: 'cross_court_registration',
            actorSub: ctx.caller.sub,
            actorRole: decision.role,
            summary:
              "Opened on a child another court holds an open case for: the child's record beyond identity waits for intake acceptance",
            resourceType: 'case',
            resourceId: row.id,
          });
          for (const other of holding) {
            // Recorded on the other court's timeline too, naming the new case so that court can accept it,
            // and told through its event feed (its own case changed; the event names nothing else).
            await caseRepository.appendEvent(tx, {
              caseId: other.id,
              kind: 'child_registered_elsewhere',
              actorSub: ctx.caller.sub,
              actorRole: decision.role,
              summary: 'Another court opened a case on this child; it waits for intake acceptance',
              resourceType: 'case',
              resourceId: row.id,
            });
            await writeEvent(tx, {
              type: 'case.updated',
              caseId: other.id,
              resourceType: 'case',
              resourceId: other.id,
            });
          }
        }
        await audit({
          action: 'create',
          resourceType: 'case',
          resourceId: row.id,
          caseId: row.id,
          personId: row.personId,
          decision,
          outcome: 'allowed',
        });
        const child = {
          givenName: person.givenName,
          familyName: person.familyName,
          dateOfBirth: person.dateOfBirth,
        };
        return caseView(row, charges, child, decision.role);
      });
    },

    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'case:read', {
          resourceType: 'case',
          resourceId: id,
          caseId: id,
        });
        // The case, its charges and its child in one statement: reads are the hot path.
        const found = await caseRepository.getWithDetails(tx, id);
        if (!found) throw notFound('case');
        const { row } = found;
        await audit({
          action: 'read',
          resourceType: 'case',
          resourceId: id,
          caseId: id,
          personId: row.personId,
          decision,
          outcome: 'allowed',
        });
        return caseView(row, found.charges, found.child, decision.role);
      });
    },

    /**
     * Issue 8.5: the intake rules accept a case opened on a child another court held an open case
     * for (who may: src/access/decide.ts, decideIntakeAcceptance). Once, under the case's lock;
     * recorded on the case's timeline and on those of the other courts' open cases of the child.
     */
    async acceptIntake(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorizeIntakeAcceptance(tx, ctx, id);
        const row = await caseRepository.getForUpdate(tx, id);
        const target = { action: 'update' as const, resourceType: 'case', resourceId: id, caseId: id };
        if (row?.intakeStatus !== 'pending_acceptance') {
          throw conflict('The case is not waiting for intake acceptance', {
            intakeStatus: row?.intakeStatus ?? null,
          }).withAudit({
            ...target,
            personId: row?.personId ?? null,
            decision,
            reason: 'intake not pending',
          });
        }
        const at = new Date();
        const accepted = await caseRepository.acceptIntake(tx, row, ctx.caller.sub, at);
        await caseRepository.appendEvent(tx, {
          caseId: id,
          kind: 'intake_accepted',
          occurredAt: at,
          actorSub: ctx.caller.sub,
          actorRole: decision.role,
          summary:
            decision.basis.type === 'owning_court' && decision.basis.id === row.courtOrgId
              ? 'Intake accepted by a judge of the court'
              : 'Intake accepted by the court that held the child’s open case',
          resourceType: 'case',
          resourceId: id,
        });
        for (const other of await casesHoldingChild(tx, row.personId, row.courtOrgId)) {
          await caseRepository.appendEvent(tx, {
            caseId: other.id,
            kind: 'intake_accepted_elsewhere',
            occurredAt: at,
            actorSub: ctx.caller.sub,
            actorRole: decision.role,
            summary: "Another court's case on this child was accepted",
            resourceType: 'case',
            resourceId: id,
          });
          await writeEvent(tx, {
            type: 'case.updated',
            caseId: other.id,
            resourceType: 'case',
            resourceId: other.id,
          });
        }
        await audit({ ...target, personId: row.personId, decision, outcome: 'allowed' });
        return { id, intakeStatus: accepted.intakeStatus, acceptedAt: at };
      });
    },

    async list(ctx: RequestContext, q: z.infer<typeof CaseListQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'case:list', { resourceType: 'case' });
        const after = decodeTimeCursor(q.cursor);
        const rows = await caseRepository.list(tx, visibleCasesCondition(ctx.caller), q, after, q.limit + 1);
        await audit({
          action: 'search',
          resourceType: 'case',
          personId: q.personId ?? null,
          decision,
          outcome: 'allowed',
        });
        return pageOf(rows, q.limit, (r) => [r.createdAt.toISOString(), r.id]);
      });
    },
  };
}
