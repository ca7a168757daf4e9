import type { z } from 'zod';
import { type Allowed, authorize, authorizeRole } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { consentConfirmation, grantsToRecorder, isCheckableEvidence } from '../../access/decide.js';
import { shapeFor } from '../../access/properties.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import {
  type AppError,
  conflict,
  forbidden,
  notFound,
  preconditionFailed,
  unprocessable,
} from '../../lib/errors.js';
import { checkIfMatch } from '../../lib/etag.js';
import { pageOf, decodeTimeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { ageOn } from '../cases/service.js';
import { organizationRepository, staffRepository } from '../organizations/repository.js';
import { personRepository } from '../persons/repository.js';
import { type ConsentRow, consentRepository } from './repository.js';
import type { ConsentCreate, ConsentListQuery } from './schemas.js';

/** The day a child born on `dateOfBirth` (YYYY-MM-DD) reaches `age`. */
function birthdayAt(dateOfBirth: string, age: number): string {
  const [y, m, d] = dateOfBirth.split('-');
  return `${Number(y) + age}-${m}-${d}`;
}

/** Waiting for a second person: recorded by its own grantee and not yet confirmed (issue 8). */
export const awaitsConfirmation = (row: ConsentRow) => row.needsConfirmation && row.confirmedBy === null;

export function consentStatus(row: ConsentRow, now: Date) {
  if (row.revokedAt) return 'revoked' as const;
  if (row.validUntil && row.validUntil <= now) return 'expired' as const;
  if (row.validFrom > now || awaitsConfirmation(row)) return 'pending' as const;
  return 'active' as const;
}

/** A consent to an organisation or a person nobody knows would open nothing: 422 says so at once. */
export async function assertGranteeExists(tx: Executor, grantee: { type: string; value: string }) {
  const known =
    grantee.type === 'organization'
      ? Boolean(await organizationRepository.get(tx, grantee.value))
      : grantee.type === 'person'
        ? Boolean(await staffRepository.get(tx, grantee.value))
        : true;
  if (!known) {
    throw unprocessable(`No ${grantee.type} with that id is registered`, [
      { path: 'body.grantee.value', message: `unknown ${grantee.type}` },
    ]);
  }
}

export function consentService(db: Db, config: Config) {
  /** The consent as the caller's role may see it, with its status and the re-affirmation flag. */
  function viewOf(decision: Allowed, row: ConsentRow, dateOfBirth: string | null, now: Date) {
    const majorityOn =
      row.grantorKind === 'guardian' && dateOfBirth ? birthdayAt(dateOfBirth, config.AGE_OF_MAJORITY) : null;
    const status = consentStatus(row, now);
    const full = {
      id: row.id,
      personId: row.personId,
      grantorKind: row.grantorKind,
      grantorName: row.grantorName,
      courtOrderReference: row.courtOrderRef,
      grantee: { type: row.granteeType, value: row.granteeValue },
      categories: row.categories,
      purposes: row.purposes,
      validFrom: row.validFrom,
      validUntil: row.validUntil,
      evidenceReference: row.evidenceRef,
      status,
      // At majority the child decides alone: a guardian's consent still standing is flagged for re-affirmation.
      needsReaffirmation:
        majorityOn !== null &&
        dateOfBirth !== null &&
        (status === 'active' || status === 'pending') &&
        ageOn(dateOfBirth, now) >= config.AGE_OF_MAJORITY,
      reaffirmationDueOn: majorityOn,
      recordedBy: row.recordedBy,
      awaitingConfirmation: awaitsConfirmation(row),
      confirmedBy: row.confirmedBy,
      confirmedAt: row.confirmedAt,
      createdAt: row.createdAt,
      revokedAt: row.revokedAt,
    };
    return { ...shapeFor('consent', decision.role, full), id: row.id, version: row.version };
  }

  async function childOf(tx: Executor, personId: string) {
    const person = await personRepository.get(tx, personId);
    if (!person || person.expungedAt || person.mergedInto) throw notFound('person');
    return person;
  }

  return {
    async create(ctx: RequestContext, personId: string, input: z.infer<typeof ConsentCreate>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'consent:create', {
          resourceType: 'consent',
          personId,
        });
        const person = await childOf(tx, personId);
        const now = new Date();
        const validFrom = input.validFrom ? new Date(input.validFrom) : now;
        const validUntil = input.validUntil ? new Date(input.validUntil) : null;
        if (validUntil && validUntil <= validFrom) {
          throw unprocessable('The consent must end after it starts', [
            { path: 'body.validUntil', message: 'not after validFrom' },
          ]);
        }
        if (!person.dateOfBirth) {
          throw unprocessable("The child's date of birth is not known", [
            { path: 'body.grantor', message: 'age unknown' },
          ]);
        }
        const age = ageOn(person.dateOfBirth, now);
        const g = input.grantor;
        // A refused grant is a decision too: it is audited with its reason (ids only, no names).
        const refused = (error: AppError, reason: string) =>
          error.withAudit({ action: 'create', resourceType: 'consent', personId, decision, reason });
        // SPEC 4.4: the child alone from CONSENT_AGE; below it a guardian; a court order replaces both.
        if (g.kind === 'child' && age < config.CONSENT_AGE) {
          throw refused(
            unprocessable(`A child under ${config.CONSENT_AGE} cannot consent alone; a guardian must`, [
              { path: 'body.grantor.kind', message: `child under ${config.CONSENT_AGE}` },
            ]),
            'child below the consent age',
          );
        }
        if (g.kind === 'guardian') {
          if (age >= config.AGE_OF_MAJORITY) {
            throw refused(
              unprocessable('The child has come of age and consents alone', [
                { path: 'body.grantor.kind', message: 'child of age' },
              ]),
              'guardian consent for a child of age',
            );
          }
          const registered = person.guardians.some(
            (r) => r.name.trim().toLowerCase() === g.name.trim().toLowerCase(),
          );
          if (!registered) {
            throw refused(
              unprocessable("The grantor is not among the child's registered guardians", [
                { path: 'body.grantor.name', message: 'not a registered guardian' },
              ]),
              'grantor not a registered guardian',
            );
          }
        }
        // Property rule: only the court records a consent given by a court order.
        if (g.kind === 'court_order' && decision.role !== 'court_clerk') {
          throw refused(
            unprocessable('Only the court records consent given by a court order', [
              { path: 'body.grantor.kind', message: 'not writable by your role' },
            ]),
            'court order grantor recorded by another role',
          );
        }
        // Issue 8.4: a consent that opens content to its own recorder needs evidence another person
        // can check, and waits for that person's confirmation before it opens anything.
        const toRecorder = grantsToRecorder(input.grantee, ctx.caller, decision.role);
        if (toRecorder && !isCheckableEvidence(input.evidenceReference)) {
          throw refused(
            unprocessable(
              'A consent to yourself needs evidence of a known kind: signed-form:, hearing-record: or guardian-statement: followed by where it is kept',
              [{ path: 'body.evidenceReference', message: 'not evidence of a known kind' }],
            ),
            'self-granted consent without checkable evidence',
          );
        }
        await assertGranteeExists(tx, input.grantee);
        const row = await consentRepository.insert(tx, {
          personId,
          grantorKind: g.kind,
          grantorName: g.kind === 'guardian' ? g.name : null,
          courtOrderRef: g.kind === 'court_order' ? g.courtOrderReference : null,
          granteeType: input.grantee.type,
          granteeValue: input.grantee.value,
          categories: input.categories,
          purposes: input.purposes,
          validFrom,
          validUntil,
          evidenceRef: input.evidenceReference,
          recordedBy: ctx.caller.sub,
          recordedByOrg: ctx.caller.org,
          needsConfirmation: toRecorder,
        });
        await audit({
          action: 'create',
          resourceType: 'consent',
          resourceId: row.id,
          personId,
          decision,
          outcome: 'allowed',
        });
        return viewOf(decision, row, person.dateOfBirth, now);
      });
    },

    async list(ctx: RequestContext, personId: string, q: z.infer<typeof ConsentListQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'consent:read', {
          resourceType: 'consent',
          personId,
        });
        const person = await childOf(tx, personId);
        const after = decodeTimeCursor(q.cursor);
        const rows = await consentRepository.listForPerson(tx, personId, after, q.limit + 1);
        await audit({ action: 'read', resourceType: 'consent', personId, decision, outcome: 'allowed' });
        const page = pageOf(rows, q.limit, (r) => [r.createdAt.toISOString(), r.id]);
        const now = new Date();
        return { ...page, items: page.items.map((r) => viewOf(decision, r, person.dateOfBirth, now)) };
      });
    },

    /**
     * A second person confirms a consent recorded by its own grantee: a clerk or judge of a court
     * owning a case of the child, or the child's accepted lawyer, never the recorder. Confirmed
     * once, under the row's lock (the update's own WHERE); the next read is decided with it.
     */
    async confirm(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        authorizeRole(ctx, 'consent:confirm', { resourceType: 'consent', resourceId: id });
        const existing = await consentRepository.get(tx, id);
        const target = { action: 'update' as const, resourceType: 'consent', resourceId: id };
        if (!existing) throw notFound('consent').withAudit({ ...target, reason: 'consent not found' });
        const decision = await authorize(tx, ctx, 'consent:confirm', {
          resourceType: 'consent',
          resourceId: id,
          personId: existing.personId,
        });
        const refusal = { ...target, personId: existing.personId, decision };
        const second = consentConfirmation(existing, ctx.caller);
        if (!second.allow) {
          throw forbidden('The person who recorded a consent may not confirm it').withAudit({
            ...refusal,
            reason: second.reason,
          });
        }
        const person = await childOf(tx, existing.personId);
        const now = new Date();
        const row = await consentRepository.confirm(tx, id, ctx.caller.sub, now);
        if (!row) {
          const state = existing.revokedAt
            ? 'revoked'
            : !existing.needsConfirmation
              ? 'not waiting for confirmation'
              : 'already confirmed';
          throw conflict(`The consent is ${state}`, {
            consentStatus: consentStatus(existing, now),
          }).withAudit({
            ...refusal,
            reason: `consent ${state}`,
          });
        }
        await audit({ ...target, personId: row.personId, decision, outcome: 'allowed' });
        return viewOf(decision, row, person.dateOfBirth, now);
      });
    },

    /** One consent, through the same decision as the child's consent list (404 for the unrelated). */
    async get(ctx: RequestContext, id: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const existing = await consentRepository.get(tx, id);
        const decision = await authorize(tx, ctx, 'consent:read', {
          resourceType: 'consent',
          resourceId: id,
          personId: existing?.personId ?? null,
        });
        if (!existing) throw notFound('consent');
        const person = await childOf(tx, existing.personId);
        await audit({
          action: 'read',
          resourceType: 'consent',
          resourceId: id,
          personId: existing.personId,
          decision,
          outcome: 'allowed',
        });
        return viewOf(decision, existing, person.dateOfBirth, new Date());
      });
    },

    async revoke(ctx: RequestContext, id: string, ifMatch?: string) {
      return withTransaction(db, ctx, async (tx, audit) => {
        // The role first: a role that may not revoke gets 403 whether or not the id exists.
        authorizeRole(ctx, 'consent:revoke', { resourceType: 'consent', resourceId: id });
        const existing = await consentRepository.get(tx, id);
        if (!existing) {
          throw notFound('consent').withAudit({
            action: 'update',
            resourceType: 'consent',
            resourceId: id,
            reason: 'consent not found',
          });
        }
        const decision = await authorize(tx, ctx, 'consent:revoke', {
          resourceType: 'consent',
          resourceId: id,
          personId: existing.personId,
        });
        const person = await childOf(tx, existing.personId);
        const now = new Date();
        // If-Match, when sent, is checked against the version read and again in the UPDATE (a
        // stale tag was ignored and the consent revoked: authorization matrix finding).
        if (ifMatch !== undefined) checkIfMatch(ifMatch, existing.version);
        const row = await consentRepository.revoke(
          tx,
          id,
          ctx.caller.sub,
          now,
          ifMatch === undefined ? undefined : existing.version,
        );
        if (!row && ifMatch !== undefined && !existing.revokedAt) throw preconditionFailed();
        if (!row) {
          throw conflict('The consent is already revoked', { revokedAt: existing.revokedAt }).withAudit({
            action: 'update',
            resourceType: 'consent',
            resourceId: id,
            personId: existing.personId,
            decision,
            reason: 'consent already revoked',
          });
        }
        await audit({
          action: 'update',
          resourceType: 'consent',
          resourceId: id,
          personId: row.personId,
          decision,
          outcome: 'allowed',
        });
        return viewOf(decision, row, person.dateOfBirth, now);
      });
    },
  };
}
