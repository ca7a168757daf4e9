import { unprocessable } from '../lib/errors.js';
import type { PersonView } from './decide.js';
import type { Role } from './roles.js';

/**
 * Property rules (SPEC 4.7), as data: which fields each role may write, and which fields each role
 * is shown. Both are allowlists: a field nobody listed is neither writable nor shown.
 */
export const WRITABLE_FIELDS = {
  /** Social workers record assessments and referrals (kind, structured details); others plain records. */
  record: {
    social_worker: ['category', 'kind', 'title', 'content', 'details'],
    court_clerk: ['category', 'title', 'content'],
    probation_officer: ['category', 'title', 'content'],
  },
  /**
   * Corrections (PATCH): intake data and charges of a case, a child's details. The body's `reason`
   * is not a field of the resource: it goes to the correction history.
   */
  case: {
    court_clerk: [
      'reason',
      'intakeKind',
      'offenceDate',
      'intakeAt',
      'agency',
      'location',
      'detained',
      'guardiansNotifiedAt',
      'prosecutionOrgId',
      'charges',
    ],
  },
  person: {
    court_clerk: [
      'reason',
      'givenName',
      'familyName',
      'dateOfBirth',
      'sex',
      'region',
      'guardians',
      'nationalId',
    ],
  },
} as const satisfies Record<string, Partial<Record<Role, readonly string[]>>>;

const RECORD_META = ['id', 'caseId', 'category', 'kind', 'createdAt', 'withheld'] as const;
const RECORD_CONTENT = ['title', 'content', 'details'] as const;
const CONSENT_TERMS = [
  'id',
  'personId',
  'grantorKind',
  'courtOrderReference',
  'grantee',
  'categories',
  'purposes',
  'validFrom',
  'validUntil',
  'status',
  'needsReaffirmation',
  'reaffirmationDueOn',
  'createdAt',
  'revokedAt',
  'awaitingConfirmation',
] as const;

const CONSENT_SIGNATURES = ['recordedBy', 'confirmedBy', 'confirmedAt'] as const;

/** What the referring partner submitted, and where the case stands: its own data, not the court's file. */
const CASE_AS_SUBMITTED = [
  'id',
  'version',
  'personId',
  'courtOrgId',
  'referringOrgId',
  'prosecutionOrgId',
  'stage',
  'intakeKind',
  'intakeAt',
  'offenceDate',
  'agency',
  'location',
  'detained',
  'guardiansNotifiedAt',
  'charges',
  'intakeStatus',
  'closedAt',
  'createdAt',
  'updatedAt',
] as const;
/** The court's file adds the child's identity, the age the jurisdiction rests on, and how it closed. */
const CASE_FILE = [...CASE_AS_SUBMITTED, 'child', 'ageAtOffence', 'closedReason'] as const;

/**
 * A child's record: identity, then where they live and who their guardians are. `guardianContact`
 * stands for the `contact` of each guardian: without it the guardians are listed by name only.
 */
const PERSON_IDENTITY = [
  'id',
  'version',
  'givenName',
  'familyName',
  'dateOfBirth',
  'sex',
  'createdAt',
] as const;
/** The national identity number goes with the file, not with the identity a pending intake shows. */
const PERSON_FILE = [...PERSON_IDENTITY, 'nationalId', 'region', 'guardians'] as const;
const PERSON_RECORD = [...PERSON_FILE, 'guardianContact'] as const;

/** What each relationship opens (decide.ts, personViewOf); the role's allowlist narrows it further. */
const PERSON_VIEW_FIELDS: Record<PersonView, readonly string[]> = {
  record: PERSON_RECORD,
  file: PERSON_FILE,
  identity: PERSON_IDENTITY,
  reference: ['id'],
};

export const READABLE_FIELDS = {
  /**
   * A child's record; the correction history of each field is shown by the same lists.
   * Those who work with the family see the guardians' contact; the prosecutor does not need it.
   * A partner system's relationship decides (it is shown what it submitted: see PERSON_VIEW_FIELDS).
   */
  person: {
    court_clerk: PERSON_RECORD,
    judge: PERSON_RECORD,
    legal_aid_lawyer: PERSON_RECORD,
    probation_officer: PERSON_RECORD,
    social_worker: PERSON_RECORD,
    prosecutor: PERSON_FILE,
    partner_system: PERSON_RECORD,
  },
  case: {
    court_clerk: CASE_FILE,
    judge: CASE_FILE,
    prosecutor: CASE_FILE,
    legal_aid_lawyer: CASE_FILE,
    probation_officer: CASE_FILE,
    social_worker: CASE_FILE,
    partner_system: CASE_AS_SUBMITTED,
  },
  /** Content fields are shown only for disclosed categories (rule 3), on top of this allowlist. */
  record: {
    court_clerk: [...RECORD_META, ...RECORD_CONTENT, 'createdBy', 'createdByRole'],
    judge: [...RECORD_META, ...RECORD_CONTENT, 'createdBy', 'createdByRole'],
    social_worker: [...RECORD_META, ...RECORD_CONTENT, 'createdBy', 'createdByRole'],
    probation_officer: [...RECORD_META, ...RECORD_CONTENT, 'createdByRole'],
    legal_aid_lawyer: [...RECORD_META, ...RECORD_CONTENT, 'createdByRole'],
    prosecutor: [...RECORD_META, ...RECORD_CONTENT, 'createdByRole'],
  },
  /**
   * Who signed and where the form is kept are for the court and the social worker who hold the
   * file. Who recorded and who confirmed a consent is shown to them, to auditors and to the child's
   * lawyer (who may confirm one).
   */
  consent: {
    court_clerk: [...CONSENT_TERMS, 'grantorName', 'evidenceReference', ...CONSENT_SIGNATURES],
    judge: [...CONSENT_TERMS, 'grantorName', 'evidenceReference', ...CONSENT_SIGNATURES],
    social_worker: [...CONSENT_TERMS, 'grantorName', 'evidenceReference', ...CONSENT_SIGNATURES],
    legal_aid_lawyer: [...CONSENT_TERMS, ...CONSENT_SIGNATURES],
    probation_officer: CONSENT_TERMS,
    auditor: [...CONSENT_TERMS, ...CONSENT_SIGNATURES],
  },
} as const;

export const RECORD_CONTENT_FIELDS: readonly string[] = RECORD_CONTENT;

/** Whether the role is shown `field` of `resource` (a dotted field is judged by its first segment). */
export function isReadable(resource: keyof typeof READABLE_FIELDS, role: Role, field: string): boolean {
  const allowed = (READABLE_FIELDS[resource] as Partial<Record<Role, readonly string[]>>)[role] ?? [];
  return allowed.includes(field.split('.')[0]);
}

/** 422 naming every field of the body the role may not set; nothing is changed. */
export function assertWritable(resource: keyof typeof WRITABLE_FIELDS, role: Role, fields: string[]): void {
  const allowed = (WRITABLE_FIELDS[resource] as Partial<Record<Role, readonly string[]>>)[role] ?? [];
  const refused = fields.filter((f) => !allowed.includes(f));
  if (refused.length) {
    throw unprocessable(
      'The body sets fields your role may not set',
      refused.map((f) => ({ path: `body.${f}`, message: 'not writable by your role' })),
    );
  }
}

/**
 * Keeps only the fields the role is shown. For records, content fields are also dropped unless the
 * record's category was disclosed. A role with no list is shown nothing but the id.
 */
export function shapeFor<T extends Record<string, unknown>>(
  resource: keyof typeof READABLE_FIELDS,
  role: Role,
  row: T,
  opts: { disclosed?: boolean } = {},
): Partial<T> {
  const allowed = (READABLE_FIELDS[resource] as Partial<Record<Role, readonly string[]>>)[role] ?? ['id'];
  const out: Record<string, unknown> = {};
  for (const key of allowed) {
    if (resource === 'record' && !opts.disclosed && RECORD_CONTENT_FIELDS.includes(key)) continue;
    if (key in row) out[key] = row[key];
  }
  return out as Partial<T>;
}

/**
 * A child's record as the caller may see it: the fields both the caller's role and the
 * relationship that let it in allow (issue 8: every read of a person, whoever reads it).
 */
export function shapePerson<T extends { id: string; guardians: { contact?: string }[] }>(
  role: Role,
  view: PersonView,
  row: T,
): Partial<T> & { id: string } {
  const byRole = (READABLE_FIELDS.person as Partial<Record<Role, readonly string[]>>)[role] ?? ['id'];
  const allowed = byRole.filter((f) => PERSON_VIEW_FIELDS[view].includes(f));
  const out: Record<string, unknown> = { id: row.id };
  for (const key of allowed) if (key in row) out[key] = row[key as keyof T];
  if ('guardians' in out && !allowed.includes('guardianContact')) {
    out.guardians = row.guardians.map(({ contact: _contact, ...g }) => g);
  }
  return out as Partial<T> & { id: string };
}

/**
 * Whether a field of a child's record (and so its correction history) is shown: allowed by both
 * the role and the relationship. The guardians' history carries their contact, so it is shown only
 * to those who see the contact.
 */
export function isPersonFieldReadable(role: Role, view: PersonView, field: string): boolean {
  const byRole = (READABLE_FIELDS.person as Partial<Record<Role, readonly string[]>>)[role] ?? [];
  const key = field.split('.')[0] === 'guardians' ? 'guardianContact' : field.split('.')[0];
  return byRole.includes(key) && PERSON_VIEW_FIELDS[view].includes(key);
}
