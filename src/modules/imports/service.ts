import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { type Allowed, authorize, authorizeRole } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { importCourt, importOwner } from '../../access/decide.js';
import { type AuditEntry, writeAudits } from '../../audit/writer.js';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import type { caseEvents, cases, charges } from '../../db/schema/cases.js';
import type { custodyEpisodes } from '../../db/schema/custody.js';
import type { hearings } from '../../db/schema/hearings.js';
import type { ImportKind, ImportLineOutcome, importLines } from '../../db/schema/imports.js';
import type { persons } from '../../db/schema/persons.js';
import { AppError, type FieldError, notFound, unprocessable } from '../../lib/errors.js';
import { type EventClock, type TimeCheck, readEventClock, startOfDay } from '../../lib/event-time.js';
import type { RawLine } from '../../lib/ndjson.js';
import { personNameKeys } from '../../lib/name-key.js';
import { unstorableText } from '../../lib/text.js';
import { withTransaction } from '../../lib/transaction.js';
import { writeEvent } from '../events/outbox.js';
import { ageOn } from '../cases/service.js';
import { type ImportRow, type KnownPerson, importRepository } from './repository.js';
import {
  type ImportCaseLineT,
  ImportLine,
  type ImportPersonLineT,
  type ImportReportQuery,
} from './schemas.js';

const RESOURCE = 'import';

type LineReport = typeof importLines.$inferInsert;
interface Parsed {
  lineNo: number;
  value: ImportPersonLineT | ImportCaseLineT;
}
/** What one batch did, for the import's counters and the caller's progress. */
export interface BatchResult {
  lines: number;
  created: number;
  duplicates: number;
  errors: number;
}
export interface ImportProgress {
  lines: number;
  created: number;
  duplicates: number;
  errors: number;
}

/** The problems of a line that failed its schema, by field (never the value sent). */
function schemaProblems(error: z.ZodError): FieldError[] {
  return error.issues.slice(0, 20).map((i) => ({
    path: i.path.length ? i.path.join('.') : '(line)',
    message: i.message,
  }));
}

/** Parses and validates one line on its own (no database): the line, or its report as an error. */
export function parseLine(raw: RawLine, maxLineBytes: number): Parsed | LineReport | null {
  const error = (
    problems: FieldError[],
    kind: ImportKind | null = null,
    externalId: string | null = null,
  ) => ({
    importId: '',
    lineNo: raw.lineNo,
    kind,
    externalId,
    outcome: 'error' as const,
    resourceId: null,
    problems,
  });
  if (raw.text === null) return error([{ path: '(line)', message: `longer than ${maxLineBytes} bytes` }]);
  if (raw.text.trim() === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(raw.text);
  } catch {
    return error([{ path: '(line)', message: 'not a JSON object' }]);
  }
  // The same guard as request bodies: text PostgreSQL cannot store is refused, by field.
  const bad = unstorablePath(json, '');
  const head =
    json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  const kind = head?.type === 'person' || head?.type === 'case' ? (head.type as ImportKind) : null;
  const externalId =
    typeof head?.externalId === 'string' && head.externalId.length <= 200 && !unstorableText(head.externalId)
      ? head.externalId
      : null;
  if (bad) return error([{ path: bad.path || '(line)', message: `contains a ${bad.why}` }], kind, externalId);
  const parsed = ImportLine.safeParse(json);
  if (!parsed.success) return error(schemaProblems(parsed.error), kind, externalId);
  return { lineNo: raw.lineNo, value: parsed.data };
}

function unstorablePath(value: unknown, path: string, depth = 0): { path: string; why: string } | null {
  if (typeof value === 'string') {
    const why = unstorableText(value);
    return why ? { path, why } : null;
  }
  if (value === null || typeof value !== 'object' || depth > 8) return null;
  for (const [k, v] of Object.entries(value)) {
    const why = unstorableText(k);
    if (why) return { path, why: `key with a ${why}` };
    const found = unstorablePath(v, path ? `${path}.${k}` : k, depth + 1);
    if (found) return found;
  }
  return null;
}

export function importService(db: Db, config: Config) {
  /**
   * One batch in one transaction: the valid lines created (persons, cases with charges, custody
   * episodes and held hearings, their timeline entries, audit rows and events), duplicates and
   * errors reported, the import's counters moved. Throws only on a database failure.
   */
  async function runBatch(
    ctx: RequestContext,
    imp: ImportRow,
    decision: Allowed,
    lines: Parsed[],
    reports: LineReport[],
  ): Promise<BatchResult> {
    return db.transaction(async (tx) => {
      const owner = imp.owner;
      const out: LineReport[] = reports.map((r) => ({ ...r, importId: imp.id }));
      const report = (
        p: Parsed,
        outcome: ImportLineOutcome,
        resourceId: string | null,
        problems: FieldError[] | null = null,
      ) =>
        out.push({
          importId: imp.id,
          lineNo: p.lineNo,
          kind: p.value.type,
          externalId: p.value.externalId,
          outcome,
          resourceId,
          problems,
        });
      const clock = await readEventClock(tx, config);
      const personLines = lines.filter((l) => l.value.type === 'person') as (Parsed & {
        value: ImportPersonLineT;
      })[];
      const caseLines = lines.filter((l) => l.value.type === 'case') as (Parsed & {
        value: ImportCaseLineT;
      })[];
      const known = await importRepository.knownIds(
        tx,
        owner,
        [
          ...new Set([
            ...personLines.map((l) => l.value.externalId),
            ...caseLines.map((l) => l.value.personExternalId),
          ]),
        ],
        caseLines.map((l) => l.value.externalId),
      );

      // Persons: duplicates of earlier imports or earlier lines, dates, then planned with a fresh id.
      // A national identity number another record holds is an error on the line, as POST /v1/persons
      // answers 409 (the record holding it is not named: the importer may not see it).
      const taken = await importRepository.nationalIdsTaken(tx, [
        ...new Set(personLines.flatMap((l) => (l.value.nationalId ? [l.value.nationalId] : []))),
      ]);
      const newPersons = new Map<string, { id: string; line: Parsed & { value: ImportPersonLineT } }>();
      const personRows: (typeof persons.$inferInsert)[] = [];
      for (const l of personLines) {
        const v = l.value;
        const before = known.get(`person:${v.externalId}`) ?? newPersons.get(v.externalId)?.id;
        if (before) {
          report(l, 'duplicate', before);
          continue;
        }
        const problems = clock.problems([{ path: 'dateOfBirth', at: startOfDay(v.dateOfBirth) }]);
        if (v.nationalId && taken.has(v.nationalId)) {
          problems.push({
            path: 'nationalId',
            message: 'another record of a child holds this national identity number; ask for matches with it',
          });
        }
        if (problems.length) {
          report(l, 'error', null, problems);
          continue;
        }
        if (v.nationalId) taken.add(v.nationalId);
        const id = randomUUID();
        newPersons.set(v.externalId, { id, line: l });
        personRows.push({
          id,
          givenName: v.givenName,
          familyName: v.familyName,
          dateOfBirth: v.dateOfBirth,
          sex: v.sex,
          region: v.region ?? null,
          guardians: v.guardians,
          nationalId: v.nationalId ?? null,
          // The matching keys, as POST /v1/persons stores them: an imported child is found by
          // GET /v1/persons/matches like any other.
          ...personNameKeys({ givenName: v.givenName, familyName: v.familyName }),
          createdBy: ctx.caller.sub,
          createdByOrg: ctx.caller.org,
        });
      }

      // Children named by case lines that earlier imports registered.
      const earlier = [
        ...new Set(
          caseLines
            .map((l) => known.get(`person:${l.value.personExternalId}`))
            .filter((id): id is string => Boolean(id)),
        ),
      ];
      const knownPersons = await importRepository.knownPersons(tx, earlier);
      const orgs = await importRepository.orgKinds(
        tx,
        [
          ...new Set(
            caseLines.flatMap((l) => [
              l.value.courtOrgId ?? ctx.caller.org ?? '',
              l.value.prosecutionOrgId ?? '',
            ]),
          ),
        ].filter(Boolean),
      );

      // The child's state as this batch goes: open cases by court, and an open custody episode.
      const childState = new Map<
        string,
        { detained: boolean; openCases: { id: string; courtOrgId: string }[] }
      >();
      const stateOf = (personId: string, k?: KnownPerson) => {
        let s = childState.get(personId);
        if (!s) {
          s = { detained: k?.detained ?? false, openCases: [...(k?.openCases ?? [])] };
          childState.set(personId, s);
        }
        return s;
      };

      const newCases = new Map<string, string>();
      const caseRows: (typeof cases.$inferInsert)[] = [];
      const chargeRows: (typeof charges.$inferInsert)[] = [];
      const custodyRows: (typeof custodyEpisodes.$inferInsert)[] = [];
      const hearingRows: (typeof hearings.$inferInsert)[] = [];
      const eventRows: (typeof caseEvents.$inferInsert)[] = [];
      const elsewhere: { caseId: string; otherCaseId: string }[] = [];
      const audits: AuditEntry[] = [];
      const actor = { actorSub: ctx.caller.sub, actorRole: decision.role };
      const reason = (l: Parsed) => `import ${imp.id} line ${l.lineNo}`;

      for (const l of caseLines) {
        const v = l.value;
        const before = known.get(`case:${v.externalId}`) ?? newCases.get(v.externalId);
        if (before) {
          report(l, 'duplicate', before);
          continue;
        }
        const problems: FieldError[] = [];
        const court = importCourt(ctx.caller, v.courtOrgId);
        if ('problem' in court) problems.push({ path: 'courtOrgId', message: court.problem });
        else if (orgs.get(court.court) !== 'court')
          problems.push({ path: 'courtOrgId', message: 'not a registered court' });
        if (v.prosecutionOrgId !== undefined && orgs.get(v.prosecutionOrgId) !== 'prosecution')
          problems.push({ path: 'prosecutionOrgId', message: 'not a registered prosecution office' });
        const fresh = newPersons.get(v.personExternalId);
        const earlierId = known.get(`person:${v.personExternalId}`);
        const k = earlierId ? knownPersons.get(earlierId) : undefined;
        const child = fresh
          ? {
              id: fresh.id,
              dateOfBirth: fresh.line.value.dateOfBirth,
              region: fresh.line.value.region ?? null,
            }
          : k && !k.hidden && k.dateOfBirth
            ? k
            : null;
        if (!child)
          problems.push({
            path: 'personExternalId',
            message: 'no such child imported (a person line must come first)',
          });
        problems.push(...caseTimeProblems(clock, v));
        const offence = new Date(v.offenceDate);
        const age = child?.dateOfBirth ? ageOn(child.dateOfBirth, offence) : null;
        const min = config.MIN_AGE_CRIMINAL_RESPONSIBILITY;
        const max = config.JUVENILE_UPPER_AGE;
        if (age !== null && (age < min || age > max))
          problems.push({ path: 'offenceDate', message: `age at offence must be between ${min} and ${max}` });
        const state = child ? stateOf(child.id, k) : null;
        const open = v.custodyEpisodes.filter((e) => e.releasedAt === undefined);
        if (open.length > 1 || (open.length === 1 && state?.detained))
          problems.push({
            path: 'custodyEpisodes',
            message: 'the child is already in an open custody episode',
          });
        if (problems.length || !child || !state || 'problem' in court) {
          report(l, 'error', null, problems);
          continue;
        }
        const id = randomUUID();
        newCases.set(v.externalId, id);
        const intakeAt = new Date(v.intakeAt);
        const holding = state.openCases.filter((c) => c.courtOrgId !== court.court);
        const isPartner = decision.role === 'partner_system';
        caseRows.push({
          id,
          personId: child.id,
          courtOrgId: court.court,
          intakeStatus: holding.length ? 'pending_acceptance' : 'accepted',
          referringOrgId: isPartner ? ctx.caller.org : null,
          referringSub: isPartner ? ctx.caller.sub : null,
          prosecutionOrgId: v.prosecutionOrgId ?? null,
          // Hearings already held took the case to adjudication (stages.ts: hearing_held).
          stage: v.hearings.length ? 'adjudication' : 'intake',
          intakeKind: v.intakeKind,
          offenceDate: offence,
          intakeAt,
          agency: v.agency,
          location: v.location ?? null,
          detained: v.detained,
          guardiansNotifiedAt: v.guardiansNotifiedAt ? new Date(v.guardiansNotifiedAt) : null,
          ageAtOffence: age!,
          region: child.region,
          createdBy: ctx.caller.sub,
        });
        for (const [position, c] of v.charges.entries()) {
          chargeRows.push({ caseId: id, code: c.code, description: c.description, position });
        }
        const at = (s: string) => new Date(s);
        eventRows.push({
          caseId: id,
          kind: v.intakeKind,
          occurredAt: intakeAt,
          ...actor,
          summary: `${v.intakeKind === 'arrest' ? 'Arrest' : 'Referral'} registered${v.detained ? ', child detained' : ''} (imported)`,
          resourceType: 'case',
          resourceId: id,
        });
        audits.push({
          action: 'create',
          resourceType: 'case',
          resourceId: id,
          caseId: id,
          personId: child.id,
          decision,
          outcome: 'allowed',
          reason: reason(l),
        });
        for (const e of v.custodyEpisodes) {
          const episode = randomUUID();
          custodyRows.push({
            id: episode,
            caseId: id,
            personId: child.id,
            kind: e.kind,
            facility: e.facility,
            startedAt: at(e.startedAt),
            releasedAt: e.releasedAt ? at(e.releasedAt) : null,
            releaseReason: e.releaseReason ?? null,
            createdBy: ctx.caller.sub,
          });
          eventRows.push({
            caseId: id,
            kind: 'custody_started',
            occurredAt: at(e.startedAt),
            ...actor,
            summary: 'Pre-trial detention started',
            resourceType: 'custody_episode',
            resourceId: episode,
          });
          if (e.releasedAt) {
            eventRows.push({
              caseId: id,
              kind: 'custody_ended',
              occurredAt: at(e.releasedAt),
              ...actor,
              summary: 'Pre-trial detention ended',
              resourceType: 'custody_episode',
              resourceId: episode,
            });
          } else {
            state.detained = true;
          }
          audits.push({
            action: 'create',
            resourceType: 'custody_episode',
            resourceId: episode,
            caseId: id,
            personId: child.id,
            decision,
            outcome: 'allowed',
            reason: reason(l),
          });
        }
        for (const hh of v.hearings) {
          const hearing = randomUUID();
          hearingRows.push({
            id: hearing,
            caseId: id,
            purpose: hh.purpose,
            scheduledAt: at(hh.scheduledAt),
            listedAt: intakeAt,
            location: hh.location ?? null,
            childFriendlyCourtroom: hh.childFriendlyCourtroom,
            status: 'held',
            heldAt: at(hh.heldAt),
            outcome: hh.outcome,
            attendees: hh.attendees,
            createdBy: ctx.caller.sub,
          });
          eventRows.push({
            caseId: id,
            kind: 'hearing_held',
            occurredAt: at(hh.heldAt),
            ...actor,
            summary: `Hearing held${hh.childFriendlyCourtroom ? ' in a child-friendly courtroom' : ''}`,
            resourceType: 'hearing',
            resourceId: hearing,
          });
          audits.push({
            action: 'create',
            resourceType: 'hearing',
            resourceId: hearing,
            caseId: id,
            personId: child.id,
            decision,
            outcome: 'allowed',
            reason: reason(l),
          });
        }
        if (holding.length) {
          // The intake rules of cross-court registration (issue 8.5), as for a case opened by hand.
          eventRows.push({
            caseId: id,
            kind: 'cross_court_registration',
            ...actor,
            summary:
              "Opened on a child another court holds an open case for: the child's record beyond identity waits for intake acceptance",
            resourceType: 'case',
            resourceId: id,
          });
          for (const other of holding) elsewhere.push({ caseId: id, otherCaseId: other.id });
        }
        state.openCases.push({ id, courtOrgId: court.court });
        report(l, 'created', id);
      }

      // Persons created are those some line created (all of them: a person line stands alone).
      for (const { id, line } of newPersons.values()) {
        report(line, 'created', id);
        audits.push({
          action: 'create',
          resourceType: 'person',
          resourceId: id,
          personId: id,
          decision,
          outcome: 'allowed',
          reason: reason(line),
        });
      }

      // Claim the external ids; a line another import claimed meanwhile becomes a duplicate.
      const claims = [
        ...[...newPersons].map(([externalId, p]) => ({
          kind: 'person' as const,
          externalId,
          resourceId: p.id,
        })),
        ...[...newCases].map(([externalId, resourceId]) => ({
          kind: 'case' as const,
          externalId,
          resourceId,
        })),
      ];
      const got = await importRepository.claimIds(
        tx,
        claims.map((c) => ({ ...c, owner, importId: imp.id })),
      );
      if (got.size !== claims.length) throw new ConcurrentClaim();

      await importRepository.insertPersons(tx, personRows);
      await importRepository.insertCases(tx, caseRows);
      await importRepository.insertCharges(tx, chargeRows);
      await importRepository.insertCustody(tx, custodyRows);
      await importRepository.insertHearings(tx, hearingRows);
      await importRepository.insertCaseEvents(tx, eventRows);
      for (const e of elsewhere) {
        await importRepository.insertCaseEvents(tx, [
          {
            caseId: e.otherCaseId,
            kind: 'child_registered_elsewhere',
            ...actor,
            summary: 'Another court opened a case on this child; it waits for intake acceptance',
            resourceType: 'case',
            resourceId: e.caseId,
          },
        ]);
        await writeEvent(tx, {
          type: 'case.updated',
          caseId: e.otherCaseId,
          resourceType: 'case',
          resourceId: e.otherCaseId,
        });
      }
      await writeAudits(tx, ctx, audits);
      out.sort((a, b) => a.lineNo - b.lineNo);
      await importRepository.insertLines(tx, out);
      const counts = {
        lines: out.length,
        created: out.filter((r) => r.outcome === 'created').length,
        duplicates: out.filter((r) => r.outcome === 'duplicate').length,
        errors: out.filter((r) => r.outcome === 'error').length,
      };
      await importRepository.addCounts(tx, imp.id, counts);
      return counts;
    });
  }

  /**
   * A batch that failed in the database (a concurrent run claimed an id, a constraint raced) is
   * run again line by line, so that one line's failure is reported on that line only.
   */
  async function runBatchSafely(
    ctx: RequestContext,
    imp: ImportRow,
    decision: Allowed,
    lines: Parsed[],
    reports: LineReport[],
    log: (code: string) => void,
  ): Promise<BatchResult> {
    try {
      return await runBatch(ctx, imp, decision, lines, reports);
    } catch (err) {
      if (lines.length + reports.length <= 1 && !(err instanceof ConcurrentClaim)) throw err;
      log(
        err instanceof ConcurrentClaim
          ? 'concurrent_claim'
          : String((err as { code?: string }).code ?? 'error'),
      );
    }
    const total: BatchResult = { lines: 0, created: 0, duplicates: 0, errors: 0 };
    const add = (r: BatchResult) => {
      total.lines += r.lines;
      total.created += r.created;
      total.duplicates += r.duplicates;
      total.errors += r.errors;
    };
    if (reports.length) add(await runBatch(ctx, imp, decision, [], reports));
    for (const line of lines) {
      try {
        add(await runBatch(ctx, imp, decision, [line], []));
      } catch (err) {
        log(
          err instanceof ConcurrentClaim
            ? 'concurrent_claim'
            : String((err as { code?: string }).code ?? 'error'),
        );
        const problem =
          err instanceof ConcurrentClaim
            ? { path: 'externalId', message: 'imported meanwhile by another run: run the file again' }
            : { path: '(line)', message: 'could not be stored (a constraint of the record)' };
        add(
          await runBatch(
            ctx,
            imp,
            decision,
            [],
            [
              {
                importId: imp.id,
                lineNo: line.lineNo,
                kind: line.value.type,
                externalId: line.value.externalId,
                outcome: 'error',
                resourceId: null,
                problems: [problem],
              },
            ],
          ),
        );
      }
    }
    return total;
  }

  return {
    /** Rule 1 alone (role, scope, partner kind), before the body is looked at. */
    mayImport: (ctx: RequestContext) => authorizeRole(ctx, 'import:create', { resourceType: RESOURCE }),

    /**
     * Decides (import:create) and opens the import record, with its audit row. The body is read
     * afterwards, so a caller who may not import is refused before anything is received.
     */
    async begin(ctx: RequestContext): Promise<{ imp: ImportRow; decision: Allowed }> {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'import:create', { resourceType: RESOURCE });
        const owner = importOwner(ctx.caller);
        if (!owner)
          throw unprocessable('Imports need an organisation', [{ path: 'token.org', message: 'required' }]);
        const imp = await importRepository.create(tx, {
          owner,
          actorSub: ctx.caller.sub,
          actorOrg: ctx.caller.org,
          clientId: ctx.caller.clientId,
        });
        await audit({
          action: 'create',
          resourceType: RESOURCE,
          resourceId: imp.id,
          decision,
          outcome: 'allowed',
        });
        return { imp, decision };
      });
    },

    /**
     * Runs an import over its lines: each validated on its own, the valid ones created in batches of
     * IMPORT_BATCH_SIZE (one transaction each). Holds one batch in memory at a time. Stops between
     * batches when `signal` aborts (status `interrupted`: running the same file again completes it).
     */
    async run(
      ctx: RequestContext,
      imp: ImportRow,
      decision: Allowed,
      source: AsyncIterable<RawLine>,
      opts: {
        signal?: AbortSignal;
        onProgress?: (p: ImportProgress) => void;
        log?: (code: string) => void;
        bytes?: () => number;
      } = {},
    ): Promise<ImportRow> {
      const progress: ImportProgress = { lines: 0, created: 0, duplicates: 0, errors: 0 };
      const log = opts.log ?? (() => {});
      let lines: Parsed[] = [];
      let reports: LineReport[] = [];
      const flush = async () => {
        if (!lines.length && !reports.length) return;
        const r = await runBatchSafely(ctx, imp, decision, lines, reports, log);
        lines = [];
        reports = [];
        progress.lines += r.lines;
        progress.created += r.created;
        progress.duplicates += r.duplicates;
        progress.errors += r.errors;
        opts.onProgress?.({ ...progress });
      };
      let status: 'completed' | 'failed' | 'interrupted' = 'completed';
      let problem: string | null = null;
      try {
        for await (const raw of source) {
          const parsed = parseLine(raw, config.IMPORT_MAX_LINE_BYTES);
          if (parsed === null) continue;
          if ('value' in parsed) lines.push(parsed);
          else reports.push(parsed);
          if (lines.length + reports.length >= config.IMPORT_BATCH_SIZE) {
            await flush();
            if (opts.signal?.aborted) {
              status = 'interrupted';
              problem = 'the service stopped; run the same file again to complete it';
              break;
            }
          }
        }
        if (status === 'completed') await flush();
      } catch (err) {
        status = 'failed';
        problem = err instanceof BodyTooLarge ? err.message : 'the import stopped on an internal error';
        if (!(err instanceof BodyTooLarge)) log(String((err as { code?: string }).code ?? 'error'));
      }
      const row = await importRepository.finish(db, imp.id, status, opts.bytes?.() ?? 0, problem);
      return row ?? (await importRepository.get(db, imp.id))!;
    },

    /** Marks an import that never started processing (its body refused) as failed. */
    async fail(imp: ImportRow, bytes: number, problem: string) {
      return importRepository.finish(db, imp.id, 'failed', bytes, problem);
    },

    /** Status and one page of the report, for whoever may import for the same owner. */
    async get(ctx: RequestContext, id: string, q: z.infer<typeof ImportReportQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'import:read', { resourceType: RESOURCE, resourceId: id });
        const imp = await importRepository.get(tx, id);
        if (!imp || imp.owner !== importOwner(ctx.caller)) {
          throw notFound(RESOURCE).withAudit({
            action: 'read',
            resourceType: RESOURCE,
            resourceId: id,
            decision,
            outcome: 'denied',
            reason: imp ? 'another owner’s import' : 'import not found',
          });
        }
        await audit({ action: 'read', resourceType: RESOURCE, resourceId: id, decision, outcome: 'allowed' });
        return importView(tx, imp, q);
      });
    },

    current: (id: string) => importRepository.get(db, id),

    /** The import as answered to POST: its status and the lines in error (first page). */
    view: (imp: ImportRow, q: z.infer<typeof ImportReportQuery>) => importView(db, imp, q),
  };
}

async function importView(tx: Executor, imp: ImportRow, q: z.infer<typeof ImportReportQuery>) {
  const after = q.cursor && /^\d{1,10}$/.test(q.cursor) ? Number(q.cursor) : 0;
  const rows = await importRepository.report(tx, imp.id, { outcome: q.outcome, after, limit: q.limit + 1 });
  const items = rows.slice(0, q.limit);
  return {
    id: imp.id,
    status: imp.status,
    lines: imp.lines,
    created: imp.created,
    duplicates: imp.duplicates,
    errors: imp.errors,
    bytes: imp.bytes,
    problem: imp.problem,
    createdAt: imp.createdAt,
    updatedAt: imp.updatedAt,
    completedAt: imp.completedAt,
    report: {
      items: items.map((r) => ({
        line: r.lineNo,
        type: r.kind,
        externalId: r.externalId,
        outcome: r.outcome,
        resourceId: r.resourceId,
        problems: r.problems,
      })),
      nextCursor: rows.length > q.limit ? String(items[items.length - 1].lineNo) : null,
    },
  };
}

/** The event-time rule for every time a case line reports, and the order they depend on. */
function caseTimeProblems(clock: EventClock, v: ImportCaseLineT): FieldError[] {
  const offence = new Date(v.offenceDate);
  const intake = new Date(v.intakeAt);
  const checks: TimeCheck[] = [
    { path: 'offenceDate', at: offence },
    { path: 'intakeAt', at: intake, notBefore: [{ at: offence, what: 'the offence' }] },
  ];
  if (v.guardiansNotifiedAt)
    checks.push({
      path: 'guardiansNotifiedAt',
      at: new Date(v.guardiansNotifiedAt),
      notBefore: [{ at: offence, what: 'the offence' }],
    });
  v.custodyEpisodes.forEach((e, i) => {
    const started = new Date(e.startedAt);
    checks.push({
      path: `custodyEpisodes.${i}.startedAt`,
      at: started,
      notBefore: [{ at: offence, what: 'the offence' }],
    });
    if (e.releasedAt)
      checks.push({
        path: `custodyEpisodes.${i}.releasedAt`,
        at: new Date(e.releasedAt),
        notBefore: [{ at: started, what: 'the custody started' }],
      });
  });
  v.hearings.forEach((hh, i) => {
    checks.push({
      path: `hearings.${i}.scheduledAt`,
      at: new Date(hh.scheduledAt),
      planned: true,
      notBefore: [{ at: intake, what: 'the intake' }],
    });
    checks.push({
      path: `hearings.${i}.heldAt`,
      at: new Date(hh.heldAt),
      notBefore: [{ at: intake, what: 'the intake' }],
    });
  });
  return clock.problems(checks);
}

/** Another run claimed one of the batch's external ids first: the batch is redone line by line. */
class ConcurrentClaim extends Error {}

/** The body passed IMPORT_BODY_LIMIT_BYTES while it was read. */
export class BodyTooLarge extends AppError {
  constructor(limit: number) {
    super(413, 'payload-too-large', 'Payload Too Large', `The import is larger than ${limit} bytes`);
  }
}
