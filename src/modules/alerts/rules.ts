import { type SQL, sql } from 'drizzle-orm';
import type { Role } from '../../access/roles.js';
import type { Config } from '../../config.js';
import { cases } from '../../db/schema/cases.js';
import { consents } from '../../db/schema/consents.js';
import { custodyEpisodes } from '../../db/schema/custody.js';
import { diversions } from '../../db/schema/diversion.js';
import { hearings } from '../../db/schema/hearings.js';
import { legalAidAssignments } from '../../db/schema/legal-aid.js';
import { persons } from '../../db/schema/persons.js';
import { supervisionEntries, supervisions } from '../../db/schema/supervision.js';

/**
 * The deadline rules (SPEC 7), declared once as data: what each watches, from when its clock runs,
 * the limit (from configuration), and who can act on it. Alerts are never stored: each rule is a
 * SELECT evaluated at the database clock (`now()`, the transaction's start) whenever someone asks,
 * so no job has to run for them to be right. Each rule's time condition is written against an
 * indexed column (partial indexes in migration 0013), so a court's evaluation reads only the rows
 * that are already late.
 *
 * Every rule yields rows of (rule, case_id, subject_type, subject_id, since, due_at): `since` is
 * when the clock started, `due_at` when the limit is reached. "How far over" is now() - due_at.
 */
export const ALERT_RULES = [
  'detained_without_first_hearing',
  'legal_aid_not_assigned',
  'legal_aid_not_accepted',
  'pre_trial_detention_exceeded',
  'pre_trial_detention_ending',
  'supervision_without_contact',
  'violation_without_decision',
  'hearing_without_outcome',
  'diversion_without_progress',
  'guardian_consent_reaffirmation',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export const SUBJECT_TYPES = [
  'case',
  'custody_episode',
  'legal_aid_assignment',
  'supervision',
  'supervision_entry',
  'hearing',
  'diversion',
  'consent',
] as const;

const COURT: Role[] = ['court_clerk', 'judge'];

export interface RuleDeclaration {
  rule: AlertRule;
  /** Roles that can act on it; a caller sees the alert only through one of these roles. */
  actors: Role[];
  /** Overdue once the limit is passed; warning before it. */
  severity: 'overdue' | 'warning';
  /** One line for the README and the API document. */
  describe(config: Config): string;
}

export const RULE_DECLARATIONS: Record<AlertRule, RuleDeclaration> = {
  detained_without_first_hearing: {
    rule: 'detained_without_first_hearing',
    actors: [...COURT, 'prosecutor', 'legal_aid_lawyer'],
    severity: 'overdue',
    describe: (c) =>
      `A child detained (police custody at arrest, or an open pre-trial episode) with no hearing held, ${c.ALERT_FIRST_HEARING_HOURS} h after detention began`,
  },
  legal_aid_not_assigned: {
    rule: 'legal_aid_not_assigned',
    actors: COURT,
    severity: 'overdue',
    describe: (c) =>
      `An open case with no lawyer assigned, accepted or done, ${c.ALERT_LEGAL_AID_ASSIGNMENT_HOURS} h after the arrest or after legal aid was requested, whichever came first`,
  },
  legal_aid_not_accepted: {
    rule: 'legal_aid_not_accepted',
    actors: [...COURT, 'legal_aid_lawyer'],
    severity: 'overdue',
    describe: (c) =>
      `A legal aid assignment still waiting for the lawyer ${c.ALERT_LEGAL_AID_ACCEPTANCE_HOURS} h after it was made (also shown to the lawyer it is addressed to)`,
  },
  pre_trial_detention_exceeded: {
    rule: 'pre_trial_detention_exceeded',
    actors: [...COURT, 'prosecutor', 'legal_aid_lawyer'],
    severity: 'overdue',
    describe: (c) => `An open pre-trial detention longer than ${c.ALERT_PRE_TRIAL_MAX_DAYS} days`,
  },
  pre_trial_detention_ending: {
    rule: 'pre_trial_detention_ending',
    actors: [...COURT, 'prosecutor', 'legal_aid_lawyer'],
    severity: 'warning',
    describe: (c) =>
      `An open pre-trial detention within ${c.ALERT_PRE_TRIAL_WARNING_DAYS} days of its ${c.ALERT_PRE_TRIAL_MAX_DAYS}-day maximum`,
  },
  supervision_without_contact: {
    rule: 'supervision_without_contact',
    actors: ['probation_officer', ...COURT],
    severity: 'overdue',
    describe: (c) =>
      `An active supervision with no contact recorded for ${c.ALERT_SUPERVISION_CONTACT_DAYS} days (counted from its start when there is none)`,
  },
  violation_without_decision: {
    rule: 'violation_without_decision',
    actors: [...COURT, 'probation_officer'],
    severity: 'overdue',
    describe: (c) =>
      `A violation ${c.ALERT_VIOLATION_DECISION_DAYS} days old on a supervision that is neither revoked nor completed, with no hearing held since`,
  },
  hearing_without_outcome: {
    rule: 'hearing_without_outcome',
    actors: COURT,
    severity: 'overdue',
    describe: (c) =>
      `A hearing still scheduled ${c.ALERT_HEARING_OUTCOME_DAYS} days after its date (neither held, adjourned nor cancelled)`,
  },
  diversion_without_progress: {
    rule: 'diversion_without_progress',
    actors: ['court_clerk', 'prosecutor'],
    severity: 'overdue',
    describe: (c) =>
      `A diversion proposed, accepted or in progress with no step for ${c.ALERT_DIVERSION_PROGRESS_DAYS} days`,
  },
  guardian_consent_reaffirmation: {
    rule: 'guardian_consent_reaffirmation',
    actors: ['court_clerk', 'social_worker'],
    severity: 'overdue',
    describe: (c) =>
      `A guardian's consent still active after the child turned ${c.AGE_OF_MAJORITY}: the young person must re-affirm it (one alert per open case)`,
  },
};

/** Visibility of one rule's rows, in SQL over `cases` (see src/access/scope.ts); null: not shown. */
export type Visibility = (decl: RuleDeclaration) => SQL | null;

const hours = (n: number) => sql`make_interval(hours => ${n}::int)`;
const days = (n: number) => sql`make_interval(days => ${n}::int)`;

/**
 * One SELECT per rule. `visible` is the caller's condition on `cases` for this rule; `extra` an
 * additional OR-ed condition some rules have (the lawyer an assignment is addressed to).
 */
function ruleQueries(config: Config, visibility: Visibility, caller: { sub: string; roles: Role[] }): SQL[] {
  const out: SQL[] = [];
  const add = (rule: AlertRule, build: (visible: SQL) => SQL) => {
    const visible = visibility(RULE_DECLARATIONS[rule]);
    if (visible) out.push(build(visible));
  };
  const open = sql`${cases.stage} <> 'closed'`;
  const noHeldHearing = sql`not exists (select 1 from ${hearings} where ${hearings.caseId} = ${cases.id} and ${hearings.status} = 'held')`;

  add('detained_without_first_hearing', (visible) => {
    const h = hours(config.ALERT_FIRST_HEARING_HOURS);
    // Two ways to be detained: an open pre-trial episode (its clock starts at the arrest when the
    // child was detained at arrest), or detained at arrest with no episode recorded yet (police custody).
    const since = sql`least(${custodyEpisodes.startedAt}, case when ${cases.detained} and ${cases.intakeKind} = 'arrest' then ${cases.intakeAt} end)`;
    return sql`(select 'detained_without_first_hearing'::text as rule, ${cases.id} as case_id, 'case'::text as subject_type, ${cases.id} as subject_id, ${since} as since, ${since} + ${h} as due_at
      from ${custodyEpisodes} join ${cases} on ${cases.id} = ${custodyEpisodes.caseId}
      where ${custodyEpisodes.releasedAt} is null and ${custodyEpisodes.kind} = 'pre_trial'
        and ${since} < now() - ${h} and ${open} and ${noHeldHearing} and ${visible})
      union all
      (select 'detained_without_first_hearing', ${cases.id}, 'case', ${cases.id}, ${cases.intakeAt}, ${cases.intakeAt} + ${h}
      from ${cases}
      where ${cases.detained} and ${cases.intakeKind} = 'arrest' and ${open} and ${cases.intakeAt} < now() - ${h}
        and not exists (select 1 from ${custodyEpisodes} where ${custodyEpisodes.caseId} = ${cases.id})
        and ${noHeldHearing} and ${visible})`;
  });

  add('legal_aid_not_assigned', (visible) => {
    const h = hours(config.ALERT_LEGAL_AID_ASSIGNMENT_HOURS);
    // The clock starts at the arrest, or at the oldest open request (clerk, child, or intake of a
    // detained child) when there is one and it is older; one alert per case either way.
    const requestedAt = sql`(select min(${legalAidAssignments.requestedAt}) from ${legalAidAssignments} where ${legalAidAssignments.caseId} = ${cases.id} and ${legalAidAssignments.status} = 'requested')`;
    const since = sql`least(case when ${cases.intakeKind} = 'arrest' then ${cases.intakeAt} end, ${requestedAt})`;
    return sql`(select 'legal_aid_not_assigned', ${cases.id}, 'case', ${cases.id}, ${since}, ${since} + ${h}
      from ${cases}
      where ${open} and ${since} < now() - ${h}
        and (${cases.intakeKind} = 'arrest' or exists (select 1 from ${legalAidAssignments} where ${legalAidAssignments.caseId} = ${cases.id} and ${legalAidAssignments.status} = 'requested'))
        and not exists (select 1 from ${legalAidAssignments} where ${legalAidAssignments.caseId} = ${cases.id}
          and ${legalAidAssignments.status} in ('assigned', 'accepted', 'completed'))
        and ${visible})`;
  });

  add('legal_aid_not_accepted', (visible) => {
    const h = hours(config.ALERT_LEGAL_AID_ACCEPTANCE_HOURS);
    // The lawyer it is addressed to is not related to the case yet, but is the one who must act.
    const addressee = caller.roles.includes('legal_aid_lawyer')
      ? sql`(${legalAidAssignments.lawyerSub} = ${caller.sub} and ${cases.sealedAt} is null and ${cases.expungedAt} is null)`
      : sql`false`;
    return sql`(select 'legal_aid_not_accepted', ${cases.id}, 'legal_aid_assignment', ${legalAidAssignments.id}, ${legalAidAssignments.assignedAt}, ${legalAidAssignments.assignedAt} + ${h}
      from ${legalAidAssignments} join ${cases} on ${cases.id} = ${legalAidAssignments.caseId}
      where ${legalAidAssignments.status} = 'assigned' and ${legalAidAssignments.assignedAt} < now() - ${h}
        and (${visible} or ${addressee}))`;
  });

  const maxDays = days(config.ALERT_PRE_TRIAL_MAX_DAYS);
  add('pre_trial_detention_exceeded', (visible) => {
    return sql`(select 'pre_trial_detention_exceeded', ${cases.id}, 'custody_episode', ${custodyEpisodes.id}, ${custodyEpisodes.startedAt}, ${custodyEpisodes.startedAt} + ${maxDays}
      from ${custodyEpisodes} join ${cases} on ${cases.id} = ${custodyEpisodes.caseId}
      where ${custodyEpisodes.releasedAt} is null and ${custodyEpisodes.kind} = 'pre_trial'
        and ${custodyEpisodes.startedAt} <= now() - ${maxDays} and ${visible})`;
  });

  add('pre_trial_detention_ending', (visible) => {
    const warnFrom = days(config.ALERT_PRE_TRIAL_MAX_DAYS - config.ALERT_PRE_TRIAL_WARNING_DAYS);
    return sql`(select 'pre_trial_detention_ending', ${cases.id}, 'custody_episode', ${custodyEpisodes.id}, ${custodyEpisodes.startedAt}, ${custodyEpisodes.startedAt} + ${maxDays}
      from ${custodyEpisodes} join ${cases} on ${cases.id} = ${custodyEpisodes.caseId}
      where ${custodyEpisodes.releasedAt} is null and ${custodyEpisodes.kind} = 'pre_trial'
        and ${custodyEpisodes.startedAt} <= now() - ${warnFrom} and ${custodyEpisodes.startedAt} > now() - ${maxDays}
        and ${visible})`;
  });

  add('supervision_without_contact', (visible) => {
    const d = days(config.ALERT_SUPERVISION_CONTACT_DAYS);
    const since = sql`greatest((${supervisions.startsOn}::timestamp at time zone 'UTC'), (select max(${supervisionEntries.occurredAt}) from ${supervisionEntries} where ${supervisionEntries.supervisionId} = ${supervisions.id} and ${supervisionEntries.kind} = 'contact'))`;
    return sql`(select 'supervision_without_contact', ${cases.id}, 'supervision', ${supervisions.id}, ${since}, ${since} + ${d}
      from ${supervisions} join ${cases} on ${cases.id} = ${supervisions.caseId}
      where ${supervisions.status} = 'active' and ${since} < now() - ${d} and ${visible})`;
  });

  add('violation_without_decision', (visible) => {
    const d = days(config.ALERT_VIOLATION_DECISION_DAYS);
    return sql`(select 'violation_without_decision', ${cases.id}, 'supervision_entry', ${supervisionEntries.id}, ${supervisionEntries.occurredAt}, ${supervisionEntries.occurredAt} + ${d}
      from ${supervisionEntries} join ${supervisions} on ${supervisions.id} = ${supervisionEntries.supervisionId}
        join ${cases} on ${cases.id} = ${supervisionEntries.caseId}
      where ${supervisionEntries.kind} = 'violation' and ${supervisionEntries.occurredAt} < now() - ${d}
        and ${supervisions.status} in ('active', 'revocation_requested')
        and not exists (select 1 from ${hearings} where ${hearings.caseId} = ${cases.id} and ${hearings.status} = 'held'
          and ${hearings.heldAt} >= ${supervisionEntries.occurredAt})
        and ${visible})`;
  });

  add('hearing_without_outcome', (visible) => {
    const d = days(config.ALERT_HEARING_OUTCOME_DAYS);
    return sql`(select 'hearing_without_outcome', ${cases.id}, 'hearing', ${hearings.id}, ${hearings.scheduledAt}, ${hearings.scheduledAt} + ${d}
      from ${hearings} join ${cases} on ${cases.id} = ${hearings.caseId}
      where ${hearings.status} = 'scheduled' and ${hearings.scheduledAt} < now() - ${d} and ${visible})`;
  });

  add('diversion_without_progress', (visible) => {
    const d = days(config.ALERT_DIVERSION_PROGRESS_DAYS);
    const since = sql`greatest(${diversions.proposedAt}, ${diversions.decidedAt}, ${diversions.startedAt})`;
    // proposed_at <= since: the first condition lets the partial index on proposed_at find candidates.
    return sql`(select 'diversion_without_progress', ${cases.id}, 'diversion', ${diversions.id}, ${since}, ${since} + ${d}
      from ${diversions} join ${cases} on ${cases.id} = ${diversions.caseId}
      where ${diversions.status} in ('proposed', 'accepted', 'in_progress')
        and ${diversions.proposedAt} < now() - ${d} and ${since} < now() - ${d} and ${visible})`;
  });

  add('guardian_consent_reaffirmation', (visible) => {
    const majority = sql`((${persons.dateOfBirth} + make_interval(years => ${config.AGE_OF_MAJORITY}::int))::timestamp at time zone 'UTC')`;
    return sql`(select 'guardian_consent_reaffirmation', ${cases.id}, 'consent', ${consents.id}, ${majority}, ${majority}
      from ${consents} join ${persons} on ${persons.id} = ${consents.personId}
        join ${cases} on ${cases.personId} = ${consents.personId}
      where ${consents.grantorKind} = 'guardian' and ${consents.revokedAt} is null
        and (${consents.validUntil} is null or ${consents.validUntil} > now())
        and ${persons.dateOfBirth} is not null and ${majority} <= now() and ${open} and ${visible})`;
  });

  return out;
}

/** All rules the caller may see, as one UNION ALL (null when the caller can act on none). */
export function alertsUnion(
  config: Config,
  visibility: Visibility,
  caller: { sub: string; roles: Role[] },
): SQL | null {
  const parts = ruleQueries(config, visibility, caller);
  if (!parts.length) return null;
  return sql.join(parts, sql` union all `);
}
