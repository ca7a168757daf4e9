import type { Role } from '../../access/roles.js';
import { type CaseEventKind, CASE_STAGES, type CaseStage } from '../../db/schema/cases.js';

/**
 * The case's stage machine, declared once. Each entry is something that happens to a case: the
 * stages it may happen in, the stage it leads to (null: the case stays where it is) and the roles
 * that may make it happen. Services call `stageAfter()` and never set a stage themselves; the README
 * table is rendered from this list (`stageMachineMarkdown()`) and a test keeps the two equal.
 */
export interface StageMove {
  event: StageEvent;
  from: readonly CaseStage[];
  to: CaseStage | null;
  roles: readonly Role[];
  note: string;
}

const OPEN: readonly CaseStage[] = CASE_STAGES.filter((s) => s !== 'closed');
const COURT = ['court_clerk'] as const;
/**
 * What a court's clerk records, its court system may record too (hearings:write, dispositions:write);
 * which partner system may is decided in src/access (scope, kind, relationship).
 */
const COURT_OR_SYSTEM = ['court_clerk', 'partner_system'] as const;
const DIVERSION_ROLES = ['court_clerk', 'prosecutor'] as const;

export const STAGE_EVENTS = [
  'custody_recorded',
  'legal_aid_recorded',
  'social_work_recorded',
  'diversion_proposed',
  'diversion_accepted',
  'diversion_declined',
  'diversion_started',
  'diversion_condition_recorded',
  'diversion_completed',
  'diversion_failed',
  'hearing_scheduled',
  'hearing_held',
  'hearing_adjourned',
  'hearing_cancelled',
  'disposition_recorded',
  'supervision_started',
  'supervision_recorded',
  'supervision_revoked',
  'transfer_recorded',
  'referral_recorded',
  'case_closed',
] as const;
export type StageEvent = (typeof STAGE_EVENTS)[number];
// Every stage event is a timeline kind (CASE_EVENT_KINDS): the compiler holds the two lists together.
const _stageEventsAreKinds: readonly CaseEventKind[] = STAGE_EVENTS;
void _stageEventsAreKinds;

export const STAGE_MOVES: readonly StageMove[] = [
  {
    event: 'custody_recorded',
    from: OPEN,
    to: null,
    roles: ['court_clerk', 'partner_system'],
    note: 'custody episode started or ended',
  },
  {
    event: 'legal_aid_recorded',
    from: OPEN,
    to: null,
    roles: ['court_clerk', 'legal_aid_lawyer'],
    note: 'legal aid assigned, accepted, declined, withdrawn or completed',
  },
  {
    event: 'social_work_recorded',
    from: OPEN,
    to: null,
    roles: ['court_clerk', 'social_worker'],
    note: 'social worker assigned; assessment or referral recorded',
  },
  {
    event: 'diversion_proposed',
    from: ['intake', 'pre_trial', 'adjudication'],
    to: null,
    roles: DIVERSION_ROLES,
    note: 'programme and conditions offered',
  },
  {
    event: 'diversion_accepted',
    from: ['intake', 'pre_trial', 'adjudication'],
    to: 'diversion',
    roles: DIVERSION_ROLES,
    note: 'the child and family accept',
  },
  {
    event: 'diversion_declined',
    from: ['intake'],
    to: 'pre_trial',
    roles: DIVERSION_ROLES,
    note: 'declined at intake: the court path goes on',
  },
  {
    event: 'diversion_declined',
    from: ['pre_trial', 'adjudication'],
    to: null,
    roles: DIVERSION_ROLES,
    note: 'declined later: the case stays',
  },
  {
    event: 'diversion_started',
    from: ['diversion'],
    to: null,
    roles: DIVERSION_ROLES,
    note: 'programme in progress',
  },
  {
    event: 'diversion_condition_recorded',
    from: ['diversion'],
    to: null,
    roles: DIVERSION_ROLES,
    note: 'a condition done or not done; waived by the prosecutor only, with a reason',
  },
  {
    event: 'diversion_completed',
    from: ['diversion'],
    to: 'closed',
    roles: DIVERSION_ROLES,
    note: 'case closes as diverted; every condition done or waived',
  },
  {
    event: 'diversion_failed',
    from: ['diversion'],
    to: 'pre_trial',
    roles: DIVERSION_ROLES,
    note: 'back to the court path',
  },
  {
    event: 'hearing_scheduled',
    from: ['intake'],
    to: 'pre_trial',
    roles: COURT_OR_SYSTEM,
    note: 'first hearing',
  },
  {
    event: 'hearing_scheduled',
    from: ['pre_trial', 'adjudication', 'disposition', 'supervision'],
    to: null,
    roles: COURT_OR_SYSTEM,
    note: 'further hearings',
  },
  {
    event: 'hearing_held',
    from: ['pre_trial'],
    to: 'adjudication',
    roles: COURT_OR_SYSTEM,
    note: 'with outcome, attendees, child-friendly courtroom',
  },
  {
    event: 'hearing_held',
    from: ['adjudication', 'disposition', 'supervision'],
    to: null,
    roles: COURT_OR_SYSTEM,
    note: 'further hearings',
  },
  {
    event: 'hearing_adjourned',
    from: ['pre_trial', 'adjudication', 'disposition', 'supervision'],
    to: null,
    roles: COURT_OR_SYSTEM,
    note: 'to a new date',
  },
  {
    event: 'hearing_cancelled',
    from: OPEN,
    to: null,
    roles: COURT_OR_SYSTEM,
    note: 'scheduled hearing called off',
  },
  {
    event: 'disposition_recorded',
    from: ['intake', 'pre_trial', 'adjudication'],
    to: 'disposition',
    roles: COURT_OR_SYSTEM,
    note: 'probation and custodial need a held hearing (after the last disposition, when re-sentencing)',
  },
  {
    event: 'supervision_started',
    from: ['disposition'],
    to: 'supervision',
    roles: COURT,
    note: 'after a probation disposition',
  },
  {
    event: 'supervision_recorded',
    from: ['supervision'],
    to: null,
    roles: ['probation_officer', 'partner_system'],
    note: 'contacts, conditions, violations, progress notes, completion, revocation request',
  },
  {
    event: 'supervision_revoked',
    from: ['supervision'],
    to: 'adjudication',
    roles: COURT,
    note: 'the court grants a revocation request: back to the court for re-sentencing (a new hearing, then a new disposition)',
  },
  {
    event: 'transfer_recorded',
    from: OPEN,
    to: null,
    roles: ['court_clerk', 'probation_officer'],
    note: 'case sent to another court, or supervision to another probation office; accepted or declined there',
  },
  {
    event: 'referral_recorded',
    from: OPEN,
    to: null,
    roles: ['court_clerk', 'social_worker', 'partner_system'],
    note: 'social-services referral sent; accepted, declined, in progress or completed by its receiver',
  },
  {
    event: 'case_closed',
    from: OPEN.filter((s) => s !== 'diversion'),
    to: 'closed',
    roles: COURT,
    note: 'with a reason; refused while a supervision is active, the child is detained under the case or a diversion is proposed; scheduled hearings, legal aid and social work end with it',
  },
];

export type StageCheck =
  | { ok: true; to: CaseStage; moves: boolean }
  | { ok: false; reason: 'stage' | 'role'; allowedNextStages: CaseStage[]; allowedEvents: StageEvent[] };

/** Where `event` takes a case in `stage` when `role` makes it happen; pure. */
export function stageAfter(stage: CaseStage, event: StageEvent, role: Role): StageCheck {
  const move = STAGE_MOVES.find((m) => m.event === event && m.from.includes(stage));
  if (!move) {
    return {
      ok: false,
      reason: 'stage',
      allowedNextStages: nextStages(stage),
      allowedEvents: eventsIn(stage),
    };
  }
  if (!move.roles.includes(role)) {
    return {
      ok: false,
      reason: 'role',
      allowedNextStages: nextStages(stage),
      allowedEvents: eventsIn(stage),
    };
  }
  return { ok: true, to: move.to ?? stage, moves: move.to !== null && move.to !== stage };
}

/** The stages a case in `stage` can move to next. */
export function nextStages(stage: CaseStage): CaseStage[] {
  const to = STAGE_MOVES.filter((m) => m.from.includes(stage) && m.to !== null && m.to !== stage).map(
    (m) => m.to as CaseStage,
  );
  return CASE_STAGES.filter((s) => to.includes(s));
}

export function eventsIn(stage: CaseStage): StageEvent[] {
  return STAGE_EVENTS.filter((e) => STAGE_MOVES.some((m) => m.event === e && m.from.includes(stage)));
}

/** The machine as a Markdown table (README, between the stage-machine markers). */
export function stageMachineMarkdown(): string {
  const lines = [
    '| event | from | to | who | note |',
    '|---|---|---|---|---|',
    ...STAGE_MOVES.map(
      (m) =>
        `| \`${m.event}\` | ${m.from.map((s) => `\`${s}\``).join(', ')} | ${m.to ? `\`${m.to}\`` : '(stays)'} | ${m.roles.join(', ')} | ${m.note} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
