import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { rowsOf } from '../db/client.js';
import { ALERT_RULES, type AlertRule } from '../modules/alerts/rules.js';
import {
  type DemoCaller,
  type DemoClient,
  DemoSeedError,
  type Rng,
  type Sign,
  demoClients,
  prng,
} from './api.js';

/**
 * The demo jurisdiction (`npm run seed:demo`, issue 11): four regions with their courts,
 * prosecution, probation, legal aid and social services, detention places of several kinds, the
 * child population, about a year of synthetic cases along every path of the case path, and the
 * current situations that raise every deadline alert.
 *
 * Everything goes through the application in process (`app.inject`) as the professional who would
 * do it, with a development-issuer token: the same validation, stage machine, access decisions,
 * audit rows and timeline as over HTTP. Nothing is inserted with SQL. Time is never simulated and
 * nothing sleeps: every command that records something that happened takes the time it happened
 * (`intakeAt`, `startedAt`, `heldAt`, `decidedAt`, `assignedAt`, `occurredAt`...), and the seed
 * passes past times relative to the database clock (`select now()`, read once: the only SQL here).
 * What only the server clock can date stays at the time of the seed: every row's `createdAt` (the
 * `recordedAt` of the timeline), sealings, consents (granted when recorded), and supervision orders
 * as indicator 14 counts them (by creation: the seeded year's figure counts the lawyers' assignments,
 * which carry `assignedAt`). One alert depends on such a time: `guardian_consent_reaffirmation` needs
 * a guardian's consent, which is given for a minor at the server clock, and a child of age now. It is
 * raised the way it arises in practice, with no clock moved: the child is registered as a minor, the
 * guardian consents, and the date of birth is then corrected (`PATCH /v1/persons/{id}` with a reason,
 * kept in the correction history) as when the birth certificate arrives. Indicator 14 needs assignments to
 * unspecialised staff, which the service refuses at assignment (unless ALLOW_UNSPECIALISED_STAFF_ORGS
 * says so): two lawyers are marked specialised while they take cases, and the directory is updated at
 * the end (their accreditation lapsed), which the indicator reads as it stands.
 *
 * Idempotent: the organisations have fixed ids, and `demo-statistics` is registered last; when it
 * exists the jurisdiction is already seeded and nothing is written. A run interrupted half-way
 * (the first court exists, the marker does not) is refused, with what to do.
 * Deterministic: one seeded PRNG per child, so the same children, paths and offsets every run;
 * the dates are relative to the database clock when the seed runs.
 */

const H = 3_600_000;
const D = 24 * H;
const YEAR = 365.25 * D;

export const DEMO_MARKER_ORG = 'demo-statistics';
const FIRST_ORG = 'demo-court-capital';
const ADMIN: DemoCaller = { sub: 'demo-admin', roles: ['admin'], org: 'demo-ministry' };
const AUDITOR: DemoCaller = { sub: 'demo-inspector', roles: ['auditor'], org: 'demo-ombudsman' };
export const DEMO_ANALYST: DemoCaller = { sub: 'demo-analyst', roles: ['analyst'], org: DEMO_MARKER_ORG };

interface RegionDef {
  id: string;
  name: string;
  population: number;
}
const REGIONS: RegionDef[] = [
  { id: 'capital', name: 'Capital', population: 9000 },
  { id: 'north', name: 'North', population: 5200 },
  { id: 'south', name: 'South', population: 6100 },
  { id: 'west', name: 'West', population: 3800 },
];

interface FacilityDef {
  key: string;
  name: string;
  kind: 'police_station' | 'pre_trial_centre' | 'juvenile_detention_centre' | 'correctional_institution';
  region: string;
  separatedFromAdults: boolean;
  complaintsMechanism: boolean;
  capacity: number;
  /** Independently inspected this many months before the census (null: not in the last year). */
  inspectedMonthsAgo: number | null;
}
const FACILITIES: FacilityDef[] = [
  {
    key: 'capital-pretrial',
    name: 'Capital Pre-trial Centre (demo)',
    kind: 'pre_trial_centre',
    region: 'capital',
    separatedFromAdults: true,
    complaintsMechanism: true,
    capacity: 60,
    inspectedMonthsAgo: 3,
  },
  {
    key: 'national-juvenile',
    name: 'National Juvenile Detention Centre (demo)',
    kind: 'juvenile_detention_centre',
    region: 'capital',
    separatedFromAdults: true,
    complaintsMechanism: true,
    capacity: 120,
    inspectedMonthsAgo: 5,
  },
  {
    key: 'north-pretrial',
    name: 'North Pre-trial Centre (demo)',
    kind: 'pre_trial_centre',
    region: 'north',
    separatedFromAdults: false,
    complaintsMechanism: false,
    capacity: 40,
    inspectedMonthsAgo: null,
  },
  {
    key: 'north-correctional',
    name: 'North Correctional Institution (demo)',
    kind: 'correctional_institution',
    region: 'north',
    separatedFromAdults: false,
    complaintsMechanism: true,
    capacity: 200,
    inspectedMonthsAgo: 8,
  },
  {
    key: 'south-police',
    name: 'South District Police Station No. 2 (demo)',
    kind: 'police_station',
    region: 'south',
    separatedFromAdults: false,
    complaintsMechanism: false,
    capacity: 12,
    inspectedMonthsAgo: null,
  },
  {
    key: 'west-pretrial',
    name: 'West Pre-trial Centre (demo)',
    kind: 'pre_trial_centre',
    region: 'west',
    separatedFromAdults: true,
    complaintsMechanism: false,
    capacity: 30,
    inspectedMonthsAgo: 10,
  },
  {
    key: 'west-correctional',
    name: 'West Correctional Institution (demo)',
    kind: 'correctional_institution',
    region: 'west',
    separatedFromAdults: false,
    complaintsMechanism: false,
    capacity: 90,
    inspectedMonthsAgo: null,
  },
];
/** Where each region's children are held before trial and after a custodial sentence. */
const PLACES: Record<string, { pretrial: string; sentenced: string }> = {
  capital: { pretrial: 'capital-pretrial', sentenced: 'national-juvenile' },
  north: { pretrial: 'north-pretrial', sentenced: 'north-correctional' },
  south: { pretrial: 'south-police', sentenced: 'national-juvenile' },
  west: { pretrial: 'west-pretrial', sentenced: 'west-correctional' },
};

const LAWYERS = [
  { sub: 'demo-lawyer-1', name: 'Nigar Nümunəzadə (demo)', org: 'demo-legal-aid-bar' },
  { sub: 'demo-lawyer-2', name: 'Example Lawyer Two (demo)', org: 'demo-legal-aid-centre' },
  { sub: 'demo-lawyer-3', name: 'Rəşad Sınaqov (demo)', org: 'demo-legal-aid-bar' },
  { sub: 'demo-lawyer-4', name: 'Placeholder Counsel Four (demo)', org: 'demo-legal-aid-centre' },
  { sub: 'demo-lawyer-5', name: 'Könül Uydurmalı (demo)', org: 'demo-legal-aid-bar' },
  { sub: 'demo-lawyer-6', name: 'Sample Advocate Six (demo)', org: 'demo-legal-aid-centre' },
  { sub: 'demo-lawyer-7', name: 'Fərid Saxtalı (demo)', org: 'demo-legal-aid-bar' },
  { sub: 'demo-lawyer-8', name: 'Fictitious Attorney Eight (demo)', org: 'demo-legal-aid-centre' },
];
/** Their juvenile accreditation lapses at the end of the seed (indicator 14: unspecialised staff). */
const LAPSED_LAWYERS = new Set(['demo-lawyer-7', 'demo-lawyer-8']);
const SOCIAL_WORKERS = [
  { sub: 'demo-social-worker-1', name: 'Aynur Testova (demo)' },
  { sub: 'demo-social-worker-2', name: 'Sample Social Worker (demo)' },
];

const GIVEN = {
  female: [
    'Aysel',
    'Nigar',
    'Leyla',
    'Günay',
    'Səbinə',
    'Könül',
    'Aynur',
    'Nərmin',
    'Amina',
    'Mira',
    'Lena',
    'Sofia',
  ],
  male: [
    'Elvin',
    'Tural',
    'Orxan',
    'Rəşad',
    'Kamran',
    'Murad',
    'Əli',
    'Fərid',
    'Samir',
    'Lucas',
    'Jonah',
    'Timur',
  ],
};
/** Family names that say they are made up: "Nümunə" is "sample", "Sınaq" "trial", "Uydurma" "invented", "Saxta" "fake". */
const FAMILY: { male: string; female: string }[] = [
  { male: 'Nümunəzadə', female: 'Nümunəzadə' },
  { male: 'Sınaqov', female: 'Sınaqova' },
  { male: 'Uydurmalı', female: 'Uydurmalı' },
  { male: 'Saxtalı', female: 'Saxtalı' },
  { male: 'Demoyev', female: 'Demoyeva' },
  { male: 'Testov', female: 'Testova' },
  { male: 'Example', female: 'Example' },
  { male: 'Placeholder', female: 'Placeholder' },
  { male: 'Sampleton', female: 'Sampleton' },
  { male: 'Fictitious', female: 'Fictitious' },
];
const CHARGES = [
  { code: 'PC-177', description: 'Theft' },
  { code: 'PC-186', description: 'Damage to property' },
  { code: 'PC-127', description: 'Assault' },
  { code: 'PC-180', description: 'Robbery' },
  { code: 'PC-234', description: 'Possession of drugs' },
  { code: 'PC-221', description: 'Hooliganism' },
  { code: 'PC-178', description: 'Burglary' },
];

export interface SeedDemoOptions {
  app: FastifyInstance;
  config: Config;
  /** Signs a token for a demo professional (the development issuer; the test issuer in tests). */
  sign: Sign;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Children seeded at once (PostgreSQL gains from a few; PGlite runs one statement at a time). */
  concurrency?: number;
}

export interface SeedDemoResult {
  alreadySeeded: boolean;
  /** The report period that shows the seeded year: whole months, census on `to`. */
  period: { from: string; to: string };
  counts: Record<string, number>;
  /** Open alerts per rule across the demo courts, after seeding. */
  alerts: Record<string, number>;
  requests: number;
  ms: number;
}

type Counts = Record<string, number>;

/** Seeds the demo jurisdiction through the application, or says it is already there. */
export async function seedDemo(options: SeedDemoOptions): Promise<SeedDemoResult> {
  const started = performance.now();
  const { app, config } = options;
  const log = options.log ?? (() => {});
  const clients = demoClients(app, options.sign);
  const admin = clients.as(ADMIN);

  // The database clock: alerts are evaluated against it, and the commands check dates against it.
  const [clockRow] = rowsOf<{ ms: string }>(
    await app.database.db.execute(sql`select (extract(epoch from now()) * 1000)::bigint::text as ms`),
  );
  // A minute of margin: nothing the seed records is dated after the database clock.
  const now = Number(clockRow.ms) - 60_000;
  const nowDate = new Date(now);
  const census = Date.UTC(nowDate.getUTCFullYear(), nowDate.getUTCMonth(), 1);
  const from = Date.UTC(nowDate.getUTCFullYear(), nowDate.getUTCMonth() - 12, 1);
  const period = { from: isoDate(from), to: isoDate(census) };

  const marker = await admin.get(`/v1/organizations/${DEMO_MARKER_ORG}`, [200, 404]);
  if (marker.status === 200) {
    return {
      alreadySeeded: true,
      period,
      counts: {},
      alerts: await alertCounts(clients),
      requests: clients.requests,
      ms: Math.round(performance.now() - started),
    };
  }
  const first = await admin.get(`/v1/organizations/${FIRST_ORG}`, [200, 404]);
  if (first.status === 200) {
    throw new DemoSeedError(
      `An earlier demo seed stopped half-way: organisation ${FIRST_ORG} exists but ${DEMO_MARKER_ORG} (registered last) does not. ` +
        'Seed an empty database: stop the service and move DATA_DIR aside (or point DATABASE_URL at an empty database), then run npm run seed:demo again.',
    );
  }

  const counts: Counts = {};
  const count = (key: string, n = 1) => {
    counts[key] = (counts[key] ?? 0) + n;
  };

  // --- Organisations, staff, facilities, population ----------------------------------------------
  log('organisations, staff and detention places');
  const org = async (id: string, name: string, kind: string, region?: string) => {
    await admin.post('/v1/organizations', { id, name, kind, ...(region ? { region } : {}) });
    count('organizations');
  };
  for (const r of REGIONS) {
    await org(`demo-court-${r.id}`, `${r.name} District Juvenile Court (demo)`, 'court', r.id);
    await org(`demo-prosecution-${r.id}`, `${r.name} Prosecutor's Office (demo)`, 'prosecution', r.id);
    await org(`demo-probation-${r.id}`, `${r.name} Probation Service (demo)`, 'probation', r.id);
    await org(`demo-police-${r.id}`, `${r.name} District Police (demo)`, 'police', r.id);
  }
  await org('demo-legal-aid-bar', 'Bar Association Legal Aid Office (demo)', 'legal_aid');
  await org('demo-legal-aid-centre', 'Children’s Legal Aid Centre (demo)', 'legal_aid');
  await org('demo-social-services', 'Child and Family Social Services (demo)', 'social_services');
  await org('demo-ombudsman', 'Ombudsman, National Preventive Mechanism (demo)', 'oversight');
  await org('demo-ministry', 'Ministry of Justice (demo)', 'other');

  const staff = async (sub: string, displayName: string, orgId: string, role: string, specialised = true) => {
    await admin.put(`/v1/staff/${sub}`, {
      displayName,
      orgId,
      roles: [role],
      juvenileSpecialised: specialised,
    });
    count('staff');
  };
  for (const l of LAWYERS) await staff(l.sub, l.name, l.org, 'legal_aid_lawyer');
  for (const w of SOCIAL_WORKERS) await staff(w.sub, w.name, 'demo-social-services', 'social_worker');
  const officers: Record<string, string[]> = {};
  for (const [i, r] of REGIONS.entries()) {
    officers[r.id] = [];
    for (const n of [1, 2]) {
      const sub = `demo-officer-${r.id}-${n}`;
      const name =
        n === 1
          ? `${GIVEN.female[i]} ${FAMILY[(i + 1) % FAMILY.length].female} (demo)`
          : `Probation Officer ${r.name} ${n} (demo)`;
      await staff(sub, name, `demo-probation-${r.id}`, 'probation_officer');
      officers[r.id].push(sub);
    }
  }

  const facilityIds: Record<string, string> = {};
  for (const f of FACILITIES) {
    const created = await admin.post('/v1/facilities', {
      name: f.name,
      kind: f.kind,
      region: f.region,
      separatedFromAdults: f.separatedFromAdults,
      complaintsMechanism: f.complaintsMechanism,
      capacity: f.capacity,
    });
    facilityIds[f.key] = created.id;
    count('facilities');
  }

  const analyst = clients.as(DEMO_ANALYST);
  const popRng = prng(7);
  for (const year of new Set([nowDate.getUTCFullYear() - 1, nowDate.getUTCFullYear()])) {
    const figures = REGIONS.flatMap((r) =>
      (['female', 'male'] as const).flatMap((sex) =>
        Array.from({ length: 18 - 10 }, (_, k) => ({
          region: r.id,
          sex,
          age: 10 + k,
          count: Math.round((r.population / 2) * popRng.between(0.92, 1.08)),
        })),
      ),
    );
    await analyst.put('/v1/statistics/population', { year, figures });
    count('population_figures', figures.length);
  }

  // --- The people of each region ------------------------------------------------------------------
  const lawyer = (sub: string) =>
    clients.as({ sub, roles: ['legal_aid_lawyer'], org: LAWYERS.find((l) => l.sub === sub)!.org });
  const courts = Object.fromEntries(
    REGIONS.map((r) => [
      r.id,
      {
        region: r,
        court: `demo-court-${r.id}`,
        clerk: clients.as({ sub: `demo-clerk-${r.id}`, roles: ['court_clerk'], org: `demo-court-${r.id}` }),
        prosecution: `demo-prosecution-${r.id}`,
        officers: officers[r.id].map((sub) => ({
          sub,
          client: clients.as({ sub, roles: ['probation_officer'], org: `demo-probation-${r.id}` }),
        })),
        pretrial: facilityIds[PLACES[r.id].pretrial],
        sentenced: facilityIds[PLACES[r.id].sentenced],
      },
    ]),
  );
  type Court = (typeof courts)[string];

  const limits = {
    firstHearingH: config.ALERT_FIRST_HEARING_HOURS,
    assignH: config.ALERT_LEGAL_AID_ASSIGNMENT_HOURS,
    acceptH: config.ALERT_LEGAL_AID_ACCEPTANCE_HOURS,
    maxDays: config.ALERT_PRE_TRIAL_MAX_DAYS,
    warnDays: config.ALERT_PRE_TRIAL_WARNING_DAYS,
    contactDays: config.ALERT_SUPERVISION_CONTACT_DAYS,
    violationDays: config.ALERT_VIOLATION_DECISION_DAYS,
    outcomeDays: config.ALERT_HEARING_OUTCOME_DAYS,
    diversionDays: config.ALERT_DIVERSION_PROGRESS_DAYS,
    majority: config.AGE_OF_MAJORITY,
    minAge: config.MIN_AGE_CRIMINAL_RESPONSIBILITY,
    maxAge: config.JUVENILE_UPPER_AGE,
  };

  // --- One child's path, step by step (each step one API command) ----------------------------------
  class Child {
    personId = '';
    family = '';
    guardian = '';
    dob = 0;
    constructor(
      readonly c: Court,
      readonly rng: Rng,
      readonly sex: 'female' | 'male',
    ) {}

    async register(dob: number) {
      const rng = this.rng;
      const fam = rng.pick(FAMILY);
      this.family = fam[this.sex];
      this.guardian = `${rng.pick(GIVEN.female)} ${fam.female}`;
      this.dob = dob;
      const person = await this.c.clerk.post('/v1/persons', {
        givenName: rng.pick(GIVEN[this.sex]),
        familyName: this.family,
        dateOfBirth: isoDate(dob),
        sex: this.sex,
        region: this.c.region.id,
        guardians: [{ name: this.guardian, relationship: 'mother' }],
      });
      this.personId = person.id;
      count('children');
    }

    /** A date of birth making the child `age` years old (fractional) at `at`. */
    born(at: number, age: number) {
      return at - age * YEAR;
    }

    async open(t0: number, kind: 'arrest' | 'referral', detained: boolean) {
      const rng = this.rng;
      const agency =
        kind === 'arrest'
          ? `${this.c.region.name} District Police (demo)`
          : `${this.c.region.name} School Social Service (demo)`;
      const kase = await this.c.clerk.post('/v1/cases', {
        personId: this.personId,
        intakeKind: kind,
        offenceDate: iso(t0 - rng.int(2, 40) * H),
        intakeAt: iso(t0),
        agency,
        location: `Synthetic street ${rng.int(1, 99)}, ${this.c.region.name}`,
        detained,
        guardiansNotifiedAt: iso(t0 + H),
        charges: [rng.pick(CHARGES)],
        prosecutionOrgId: this.c.prosecution,
      });
      count('cases');
      count(kind === 'arrest' ? 'arrests' : 'referrals');
      return kase.id as string;
    }

    async lawyerFor(caseId: string, at: number, acceptAt: number | null, sub = this.rng.pick(LAWYERS).sub) {
      const a = await this.c.clerk.post(`/v1/cases/${caseId}/legal-aid-assignments`, {
        lawyerSub: sub,
        assignedAt: iso(at),
      });
      count('legal_aid_assignments');
      if (acceptAt !== null) {
        await lawyer(sub).post(`/v1/legal-aid/assignments/${a.id}/accept`, { occurredAt: iso(acceptAt) });
        count('legal_aid_accepted');
      }
      return a.id as string;
    }

    async hearing(caseId: string, scheduledAt: number, listedAt: number, purpose: string) {
      const h = await this.c.clerk.post(`/v1/cases/${caseId}/hearings`, {
        scheduledAt: iso(scheduledAt),
        listedAt: iso(listedAt),
        purpose,
        childFriendlyCourtroom: this.rng.chance(0.8),
      });
      count('hearings');
      return h.id as string;
    }

    async hold(hearingId: string, at: number, outcome: string) {
      await this.c.clerk.post(`/v1/hearings/${hearingId}/hold`, {
        heldAt: iso(at),
        outcome,
        attendees: ['child', 'mother', 'lawyer', 'prosecutor'],
        childFriendlyCourtroom: true,
      });
      count('hearings_held');
    }

    async heard(caseId: string, at: number, listedAt: number, purpose: string, outcome = 'Heard') {
      const id = await this.hearing(caseId, at, listedAt, purpose);
      await this.hold(id, at, outcome);
      return id;
    }

    async adjourn(hearingId: string, at: number, to: number) {
      const res = await this.c.clerk.post(`/v1/hearings/${hearingId}/adjourn`, {
        newScheduledAt: iso(to),
        reason: 'Social inquiry report not ready',
        occurredAt: iso(at),
      });
      count('hearings');
      count('hearings_adjourned');
      return res.next.id as string;
    }

    async dispose(caseId: string, outcome: string, at: number, hearingId?: string, termMonths?: number) {
      await this.c.clerk.post(`/v1/cases/${caseId}/dispositions`, {
        outcome,
        decidedAt: iso(at),
        ...(hearingId ? { hearingId } : {}),
        ...(termMonths ? { termMonths } : {}),
      });
      count(`dispositions_${outcome}`);
    }

    async custody(caseId: string, kind: 'pre_trial' | 'sentenced', at: number) {
      const e = await this.c.clerk.post(`/v1/cases/${caseId}/custody-episodes`, {
        kind,
        facilityId: kind === 'pre_trial' ? this.c.pretrial : this.c.sentenced,
        startedAt: iso(at),
      });
      count(`custody_${kind}`);
      return {
        id: e.id as string,
        facilityId: (kind === 'pre_trial' ? this.c.pretrial : this.c.sentenced) as string,
      };
    }

    async release(episodeId: string, at: number, reason: string, aftercare?: 'yes' | 'no' | 'unrecorded') {
      const kinds = ['education', 'employment', 'housing', 'family_support', 'health', 'mentoring'];
      const care = aftercare ?? this.rng.pick(['yes', 'yes', 'no', 'unrecorded'] as const);
      await this.c.clerk.post(`/v1/custody-episodes/${episodeId}/end`, {
        releasedAt: iso(at),
        releaseReason: reason,
        ...(care === 'yes'
          ? { aftercare: { provided: true, kind: this.rng.pick(kinds) } }
          : care === 'no'
            ? { aftercare: { provided: false } }
            : {}),
      });
      count('releases');
    }

    async visit(episodeId: string, at: number) {
      await this.c.clerk.post(`/v1/custody-episodes/${episodeId}/visits`, {
        occurredAt: iso(at),
        visitorRelationship: this.rng.pick(['parent', 'parent', 'guardian', 'sibling', 'other_family']),
      });
      count('family_visits');
    }

    async close(caseId: string, at: number, reason: string) {
      await this.c.clerk.post(`/v1/cases/${caseId}/close`, { reason, occurredAt: iso(at) });
      count('cases_closed');
    }

    async supervise(caseId: string, orderedAt: number, startsOn: number, months: number) {
      const officer = this.rng.pick(this.c.officers);
      const s = await this.c.clerk.post(`/v1/cases/${caseId}/supervisions`, {
        officerSub: officer.sub,
        startsOn: isoDate(startsOn),
        endsOn: isoDate(startsOn + months * 30 * D),
        conditions: ['Attend school every day', 'Be home by 22:00'],
        occurredAt: iso(orderedAt),
      });
      count('supervisions');
      return { id: s.id as string, officer: officer.client };
    }

    async contact(officer: DemoClient, supervisionId: string, at: number) {
      await officer.post(`/v1/supervisions/${supervisionId}/contacts`, {
        occurredAt: iso(at),
        kind: this.rng.pick(['office_visit', 'home_visit', 'school_visit', 'phone']),
        notes: 'Met the child; attending school (synthetic note)',
      });
      count('supervision_contacts');
    }

    async violation(officer: DemoClient, supervisionId: string, at: number) {
      await officer.post(`/v1/supervisions/${supervisionId}/violations`, {
        occurredAt: iso(at),
        notes: 'Curfew missed (synthetic note)',
      });
      count('supervision_violations');
    }

    /** Offered, accepted and started; returns the diversion and its two conditions. */
    async divert(caseId: string, at: number, proceed = true) {
      const d = await this.c.clerk.post(`/v1/cases/${caseId}/diversions`, {
        provider: `${this.c.region.name} Youth Mediation Service (demo)`,
        conditions: [
          {
            kind: 'community_work',
            description: 'Park maintenance',
            hours: this.rng.int(10, 40),
            dueOn: isoDate(at + 45 * D),
          },
          { kind: 'apology', description: 'Letter of apology to the victim' },
        ],
        occurredAt: iso(at),
      });
      count('diversions');
      if (proceed) {
        await this.c.clerk.post(`/v1/diversions/${d.id}/accept`, { occurredAt: iso(at + 2 * D) });
        await this.c.clerk.post(`/v1/diversions/${d.id}/start`, { occurredAt: iso(at + 4 * D) });
      }
      const [work, apology] = d.conditions as { id: string }[];
      return { id: d.id as string, work: work.id, apology: apology.id };
    }
  }

  // --- The year's paths ------------------------------------------------------------------------------
  const histStart = (rng: Rng, length: number, latestEnd = census - 3 * D) =>
    rng.between(from + 2 * D, Math.max(from + 3 * D, latestEnd - length));

  const closedCases: { child: Child; caseId: string; closedAt: number; sealable: boolean }[] = [];
  const deathEpisode: { episodeId?: string; facilityId?: string; at?: number } = {};
  const incidentEpisodes: { id: string; facilityId: string; at: number }[] = [];

  /** Diversion at intake, completed (the case closes as diverted) or failed (back to court). */
  async function diversionPath(
    ch: Child,
    t0: number,
    failed: boolean,
    sealable = true,
    variant = ch.rng.int(0, 2),
  ) {
    const rng = ch.rng;
    // Variant 0: a referral; 1: an arrest, with a lawyer; 2: an arrest, no lawyer asked for.
    const arrest = failed || variant > 0;
    const caseId = await ch.open(t0, arrest ? 'arrest' : 'referral', false);
    if (arrest && (failed || variant === 1)) await ch.lawyerFor(caseId, t0 + rng.int(3, 20) * H, t0 + 22 * H);
    const d = await ch.divert(caseId, t0 + 3 * D);
    await ch.c.clerk.post(`/v1/diversion-conditions/${d.apology}/done`, {
      occurredAt: iso(t0 + 12 * D),
      note: 'Letter received',
    });
    if (!failed) {
      await ch.c.clerk.post(`/v1/diversion-conditions/${d.work}/done`, {
        occurredAt: iso(t0 + 25 * D),
        note: 'Hours signed off',
      });
      await ch.c.clerk.post(`/v1/diversions/${d.id}/complete`, { occurredAt: iso(t0 + 30 * D) });
      count('diversions_completed');
      count('cases_closed');
      closedCases.push({ child: ch, caseId, closedAt: t0 + 30 * D, sealable });
      return { caseId, closedAt: t0 + 30 * D };
    }
    await ch.c.clerk.post(`/v1/diversion-conditions/${d.work}/not-done`, {
      occurredAt: iso(t0 + 30 * D),
      reason: 'Did not attend the work placement',
    });
    await ch.c.clerk.post(`/v1/diversions/${d.id}/fail`, {
      reason: 'Conditions not met',
      occurredAt: iso(t0 + 35 * D),
    });
    count('diversions_failed');
    const hearingId = await ch.heard(caseId, t0 + 45 * D, t0 + 36 * D, 'adjudication', 'Facts established');
    const outcome = rng.pick(['community_service', 'warning'] as const);
    await ch.dispose(caseId, outcome, t0 + 45 * D + H, hearingId);
    await ch.close(caseId, t0 + 46 * D, 'Order made');
    closedCases.push({ child: ch, caseId, closedAt: t0 + 46 * D, sealable: false });
    return { caseId, closedAt: t0 + 46 * D };
  }

  /** To court, a hearing adjourned once, then dismissed (or a warning). */
  async function dismissedPath(ch: Child, t0: number, sealable = true) {
    const rng = ch.rng;
    const arrest = rng.chance(0.5);
    const caseId = await ch.open(t0, arrest ? 'arrest' : 'referral', false);
    if (arrest) await ch.lawyerFor(caseId, t0 + rng.int(2, 30) * H, t0 + 40 * H);
    const first = await ch.hearing(caseId, t0 + 14 * D, t0 + D, 'adjudication');
    const next = await ch.adjourn(first, t0 + 14 * D, t0 + 28 * D);
    await ch.hold(next, t0 + 28 * D, 'Charges not proven');
    await ch.dispose(caseId, rng.chance(0.7) ? 'dismissed' : 'warning', t0 + 28 * D + H, next);
    await ch.close(caseId, t0 + 29 * D, 'Dismissed');
    closedCases.push({ child: ch, caseId, closedAt: t0 + 29 * D, sealable });
    return { caseId, closedAt: t0 + 29 * D };
  }

  /**
   * Arrest (detained or not), legal aid, a first hearing (within the limit or late), adjudication,
   * probation; supervision with contacts (a violation for some); completed and closed, or still running.
   */
  async function probationPath(ch: Child, t0: number, opts: { ongoing?: boolean; revoked?: boolean } = {}) {
    const rng = ch.rng;
    const detained = opts.revoked || rng.chance(0.5);
    const caseId = await ch.open(t0, 'arrest', detained);
    const episode = detained ? await ch.custody(caseId, 'pre_trial', t0) : null;
    const assigned = t0 + rng.int(2, 30) * H;
    await ch.lawyerFor(caseId, assigned, assigned + rng.int(1, 8) * H);
    const firstAt = t0 + (rng.chance(0.65) ? rng.int(6, 20) : rng.int(28, 60)) * H;
    await ch.heard(caseId, firstAt, t0 + H, 'first appearance', 'Remanded pending adjudication');
    if (episode) {
      await ch.visit(episode.id, t0 + 5 * D);
      if (rng.chance(0.6)) await ch.visit(episode.id, t0 + 12 * D);
    }
    const adjudicated = t0 + rng.int(18, 28) * D;
    const hearingId = await ch.heard(caseId, adjudicated, t0 + 3 * D, 'adjudication', 'Facts established');
    await ch.dispose(caseId, 'probation', adjudicated + H, hearingId, 6);
    if (episode) await ch.release(episode.id, adjudicated + 2 * H, 'Released on probation');
    const startsOn = adjudicated + D;
    const s = await ch.supervise(caseId, adjudicated + 3 * H, startsOn, opts.ongoing ? 12 : 6);
    const lastContact = opts.ongoing
      ? now - rng.int(2, 12) * D
      : opts.revoked
        ? startsOn + 35 * D
        : startsOn + 120 * D;
    let t = startsOn + rng.int(5, 12) * D;
    for (; t < lastContact; t += (opts.ongoing ? rng.int(14, 24) : rng.int(25, 35)) * D)
      await ch.contact(s.officer, s.id, t);
    await ch.contact(s.officer, s.id, lastContact);
    if (opts.ongoing) {
      count('supervisions_active');
      return { caseId };
    }
    if (opts.revoked) {
      // Violations, a revocation the court grants, a new hearing and a custodial sentence.
      await ch.violation(s.officer, s.id, startsOn + 40 * D);
      await ch.violation(s.officer, s.id, startsOn + 48 * D);
      await s.officer.post(`/v1/supervisions/${s.id}/revocation-request`, {
        reason: 'Repeated violations',
        occurredAt: iso(startsOn + 50 * D),
      });
      await ch.c.clerk.post(`/v1/supervisions/${s.id}/revoke`, {
        reason: 'Revocation granted',
        occurredAt: iso(startsOn + 55 * D),
      });
      count('supervisions_revoked');
      const resentenced = startsOn + 62 * D;
      const h2 = await ch.heard(
        caseId,
        resentenced,
        startsOn + 56 * D,
        're-sentencing',
        'Custodial sentence',
      );
      await ch.dispose(caseId, 'custodial', resentenced + H, h2, 6);
      const sentence = await ch.custody(caseId, 'sentenced', resentenced + 2 * H);
      await ch.visit(sentence.id, resentenced + 20 * D);
      const out = resentenced + rng.int(60, 90) * D;
      await ch.release(sentence.id, out, 'Sentence served', 'yes');
      await ch.close(caseId, out + D, 'Sentence served');
      closedCases.push({ child: ch, caseId, closedAt: out + D, sealable: false });
      return { caseId };
    }
    if (rng.chance(0.3)) {
      // A violation, then a review hearing that decides it (a warning; supervision goes on).
      const v = startsOn + rng.int(30, 60) * D;
      await ch.violation(s.officer, s.id, v);
      await ch.heard(caseId, v + 6 * D, v + D, 'review', 'Warning given; supervision continues');
    }
    await s.officer.post(`/v1/supervisions/${s.id}/complete`, {
      note: 'Supervision completed',
      occurredAt: iso(startsOn + 125 * D),
    });
    count('supervisions_completed');
    await ch.close(caseId, startsOn + 126 * D, 'Supervision completed');
    closedCases.push({ child: ch, caseId, closedAt: startsOn + 126 * D, sealable: false });
    return { caseId };
  }

  /**
   * Detained at arrest, then a custodial sentence: pre-trial detention, family visits, a sentenced
   * episode; released (with or without aftercare) and closed, or still held on the census date.
   */
  async function custodialPath(
    ch: Child,
    t0: number,
    opts: { heldAtCensus?: boolean; visited?: boolean; dies?: boolean } = {},
  ) {
    const rng = ch.rng;
    const caseId = await ch.open(t0, 'arrest', true);
    const pre = await ch.custody(caseId, 'pre_trial', t0);
    const assigned = t0 + rng.int(2, 20) * H;
    await ch.lawyerFor(caseId, assigned, assigned + rng.int(1, 6) * H);
    const firstAt = t0 + (rng.chance(0.6) ? rng.int(5, 22) : rng.int(26, 72)) * H;
    await ch.heard(caseId, firstAt, t0 + H, 'first appearance', 'Detention continued');
    await ch.visit(pre.id, t0 + rng.int(3, 9) * D);
    const sentencedAt = t0 + rng.int(25, 45) * D;
    const hearingId = await ch.heard(caseId, sentencedAt, t0 + 4 * D, 'adjudication', 'Facts established');
    await ch.dispose(caseId, 'custodial', sentencedAt + H, hearingId, rng.int(6, 18));
    await ch.release(pre.id, sentencedAt + 2 * H, 'Transferred to serve the sentence', 'unrecorded');
    const sentence = await ch.custody(caseId, 'sentenced', sentencedAt + 3 * H);
    incidentEpisodes.push({ id: sentence.id, facilityId: sentence.facilityId, at: sentencedAt + 10 * D });
    if (opts.dies) {
      const died = sentencedAt + 40 * D;
      deathEpisode.episodeId = sentence.id;
      deathEpisode.facilityId = sentence.facilityId;
      deathEpisode.at = died;
      await ch.release(sentence.id, died + 2 * H, 'Died in custody', 'no');
      await ch.close(caseId, died + 2 * D, 'Child died in custody');
      return { caseId };
    }
    if (opts.heldAtCensus) {
      // Still held; visited in the three months before the census, or not at all since the arrest.
      if (opts.visited) {
        for (let t = sentencedAt + 15 * D; t < census; t += rng.int(20, 35) * D)
          await ch.visit(sentence.id, t);
        await ch.visit(sentence.id, Math.max(sentencedAt + D, census - rng.int(5, 20) * D));
      }
      count('children_held_now');
      return { caseId };
    }
    if (rng.chance(0.7)) await ch.visit(sentence.id, sentencedAt + rng.int(10, 30) * D);
    const out = sentencedAt + rng.int(60, 160) * D;
    await ch.release(sentence.id, out, 'Sentence served');
    await ch.close(caseId, out + D, 'Sentence served');
    closedCases.push({ child: ch, caseId, closedAt: out + D, sealable: false });
    return { caseId };
  }

  /** Detained before trial over the census date: a hearing held, the trial ahead. */
  async function preTrialAtCensus(ch: Child, t0: number) {
    const rng = ch.rng;
    const caseId = await ch.open(t0, 'arrest', true);
    const pre = await ch.custody(caseId, 'pre_trial', t0);
    await ch.lawyerFor(caseId, t0 + 3 * H, t0 + 6 * H);
    await ch.heard(caseId, t0 + rng.int(8, 20) * H, t0 + H, 'first appearance', 'Detention ordered');
    if (rng.chance(0.6)) await ch.visit(pre.id, t0 + 3 * D);
    await ch.hearing(caseId, now + rng.int(5, 20) * D, t0 + 2 * D, 'adjudication');
    count('children_held_now');
  }

  // --- The current situations, one set per alert rule (two of each, in different regions) -----------
  const situations: Record<AlertRule, (ch: Child, j: number) => Promise<void>> = {
    async detained_without_first_hearing(ch, j) {
      const t0 = now - (limits.firstHearingH + 6 + j * 10) * H;
      const caseId = await ch.open(t0, 'arrest', true);
      if (j === 1) await ch.custody(caseId, 'pre_trial', t0 + H);
      await ch.lawyerFor(caseId, t0 + 2 * H, t0 + 4 * H);
    },
    async legal_aid_not_assigned(ch, j) {
      const t0 = now - (limits.assignH + 20 + j * 24) * H;
      const caseId = await ch.open(t0, 'arrest', false);
      if (j === 1) {
        // The child asked for a lawyer two hours after the arrest; no one has been assigned.
        await ch.c.clerk.post(`/v1/cases/${caseId}/legal-aid-requests`, {
          source: 'child',
          requestedAt: iso(t0 + 2 * H),
        });
        count('legal_aid_requests');
      }
    },
    async legal_aid_not_accepted(ch, j) {
      const t0 = now - (limits.acceptH + 10 + j * 12) * H;
      const caseId = await ch.open(t0, 'arrest', false);
      await ch.lawyerFor(caseId, t0 + H, null);
    },
    async pre_trial_detention_exceeded(ch, j) {
      await remanded(ch, now - (limits.maxDays + 4 + j * 5) * D);
    },
    async pre_trial_detention_ending(ch, j) {
      await remanded(ch, now - (limits.maxDays - limits.warnDays + 2 + j) * D);
    },
    async supervision_without_contact(ch, j) {
      const t0 = now - (limits.contactDays + 45 + j * 10) * D;
      const { officer, supervisionId, startsOn } = await onProbation(ch, t0);
      await ch.contact(officer, supervisionId, startsOn + 3 * D);
    },
    async violation_without_decision(ch, j) {
      const t0 = now - (limits.violationDays + 50) * D;
      const { officer, supervisionId, startsOn } = await onProbation(ch, t0);
      for (let t = startsOn + 5 * D; t < now - 2 * D; t += 12 * D)
        await ch.contact(officer, supervisionId, t);
      await ch.contact(officer, supervisionId, now - 2 * D);
      await ch.violation(officer, supervisionId, now - (limits.violationDays + 5 + j * 3) * D);
    },
    async hearing_without_outcome(ch, j) {
      const t0 = now - (limits.outcomeDays + 20) * D;
      const caseId = await ch.open(t0, 'referral', false);
      await ch.hearing(caseId, now - (limits.outcomeDays + 2 + j) * D, t0 + D, 'adjudication');
    },
    async diversion_without_progress(ch, j) {
      const t0 = now - (limits.diversionDays + 12 + j * 4) * D;
      const caseId = await ch.open(t0, 'referral', false);
      await ch.divert(caseId, t0 + 2 * D, false);
    },
    async guardian_consent_reaffirmation(ch, j) {
      // Registered as 17 and a half; the guardian consents to social services reading the family
      // file; then the birth certificate shows the child was born a year earlier and is now of age.
      const t0 = now - (80 + j * 5) * D;
      const caseId = await ch.open(t0, 'referral', false);
      const worker = SOCIAL_WORKERS[j % SOCIAL_WORKERS.length].sub;
      await ch.c.clerk.post(`/v1/cases/${caseId}/social-work-assignments`, {
        socialWorkerSub: worker,
        occurredAt: iso(t0 + 5 * D),
      });
      count('social_work_assignments');
      await ch.hearing(caseId, now + (10 + j) * D, t0 + 3 * D, 'adjudication');
      await ch.c.clerk.post(`/v1/persons/${ch.personId}/consents`, {
        grantor: { kind: 'guardian', name: ch.guardian },
        grantee: { type: 'role', value: 'social_worker' },
        categories: ['family_social'],
        purposes: ['social_services'],
        evidenceReference: `signed-form:DEMO-CONSENT-${ch.c.region.id}-${j + 1}`,
      });
      count('consents');
      const read = await ch.c.clerk.get(`/v1/persons/${ch.personId}`);
      // Of age 20 to 40 days ago, and still a juvenile at the offence (two days before the intake).
      const corrected = ch.born(now, limits.majority) - (20 + 20 * j) * D;
      await ch.c.clerk.send(
        'PATCH',
        `/v1/persons/${ch.personId}`,
        {
          reason: 'Birth certificate received: the date of birth given at intake was wrong',
          dateOfBirth: isoDate(corrected),
        },
        [200],
        { 'if-match': String(read.headers.etag), 'content-type': 'application/merge-patch+json' },
      );
      count('corrections');
    },
  };
  /** Detained since `t0`, a first hearing held, the trial ahead (only the duration rules apply). */
  async function remanded(ch: Child, t0: number) {
    const caseId = await ch.open(t0, 'arrest', true);
    const pre = await ch.custody(caseId, 'pre_trial', t0);
    await ch.lawyerFor(caseId, t0 + 2 * H, t0 + 5 * H);
    await ch.heard(caseId, t0 + 16 * H, t0 + H, 'first appearance', 'Detention ordered');
    await ch.visit(pre.id, t0 + 6 * D);
    await ch.hearing(caseId, now + 6 * D, t0 + 2 * D, 'adjudication');
  }
  /** Arrested at `t0`, on probation since about a week later (for the supervision rules). */
  async function onProbation(ch: Child, t0: number) {
    const caseId = await ch.open(t0, 'referral', false);
    const hearingId = await ch.heard(caseId, t0 + 5 * D, t0 + D, 'adjudication', 'Facts established');
    await ch.dispose(caseId, 'probation', t0 + 5 * D + H, hearingId, 12);
    const startsOn = t0 + 7 * D;
    const s = await ch.supervise(caseId, t0 + 5 * D + 2 * H, startsOn, 12);
    count('supervisions_active');
    return {
      officer: s.officer,
      supervisionId: s.id,
      startsOn: Date.parse(`${isoDate(startsOn)}T00:00:00Z`),
    };
  }

  // --- The plan: which child takes which path (deterministic), then run it ------------------------
  type Plan = { path: string; run: (ch: Child) => Promise<void> };
  const plans: Plan[] = [];
  const add = (n: number, path: string, run: (ch: Child, k: number) => Promise<void>) => {
    for (let k = 0; k < n; k++) plans.push({ path, run: (ch) => run(ch, k) });
  };
  /** Registers the child with an age at the offence from `minAge` to `maxAge` (both juvenile). */
  const registered = async (
    ch: Child,
    t0: number,
    minAge = limits.minAge + 0.1,
    maxAge = limits.maxAge + 0.8,
  ) => {
    await ch.register(ch.born(t0, ch.rng.between(minAge, maxAge)));
  };
  add(20, 'diversion completed', async (ch, k) => {
    const t0 = histStart(ch.rng, 31 * D);
    await registered(ch, t0);
    await diversionPath(ch, t0, false, true, k % 3);
  });
  add(8, 'diversion failed', async (ch) => {
    const t0 = histStart(ch.rng, 47 * D);
    await registered(ch, t0);
    await diversionPath(ch, t0, true);
  });
  add(12, 'dismissed', async (ch) => {
    const t0 = histStart(ch.rng, 30 * D);
    await registered(ch, t0);
    await dismissedPath(ch, t0);
  });
  add(16, 'probation completed', async (ch) => {
    const t0 = histStart(ch.rng, 160 * D);
    await registered(ch, t0);
    await probationPath(ch, t0);
  });
  add(3, 'probation revoked, then custody', async (ch) => {
    const t0 = histStart(ch.rng, 240 * D);
    await registered(ch, t0);
    await probationPath(ch, t0, { revoked: true });
  });
  add(8, 'probation ongoing', async (ch) => {
    const t0 = now - ch.rng.between(60, 200) * D;
    await registered(ch, t0, limits.minAge + 0.1, limits.maxAge - 0.5);
    await probationPath(ch, t0, { ongoing: true });
  });
  add(12, 'custodial sentence served', async (ch) => {
    const t0 = histStart(ch.rng, 210 * D);
    await registered(ch, t0);
    await custodialPath(ch, t0);
  });
  add(12, 'custodial sentence, held on the census date', async (ch, k) => {
    const t0 = census - ch.rng.between(70, 250) * D;
    await registered(ch, t0, limits.minAge + 0.1, limits.maxAge - 0.3);
    await custodialPath(ch, t0, { heldAtCensus: true, visited: k % 2 === 0 });
  });
  add(1, 'death in custody', async (ch) => {
    const t0 = histStart(ch.rng, 90 * D);
    await registered(ch, t0);
    await custodialPath(ch, t0, { dies: true });
  });
  add(7, 'pre-trial detention on the census date', async (ch) => {
    const t0 = census - ch.rng.between(8, 30) * D;
    await registered(ch, t0);
    await preTrialAtCensus(ch, t0);
  });
  add(12, 're-offending', async (ch) => {
    // A first case diverted or dismissed, a new arrest one to four months after its closure.
    const t0 = histStart(ch.rng, 180 * D);
    await registered(ch, t0, limits.minAge + 0.1, limits.maxAge - 1);
    const first = ch.rng.chance(0.5)
      ? await diversionPath(ch, t0, false, false)
      : await dismissedPath(ch, t0, false);
    count('children_reoffending');
    await dismissedPath(ch, first.closedAt + ch.rng.between(20, 110) * D, false);
  });
  for (const rule of ALERT_RULES) {
    add(2, `alert: ${rule}`, async (ch, j) => {
      // The consent rule's child is a minor of seventeen and a half when registered (corrected later).
      const age =
        rule === 'guardian_consent_reaffirmation' ? limits.majority - 0.5 : ch.rng.between(15, 17.3);
      await ch.register(ch.born(now, age));
      await situations[rule](ch, j);
      count('alert_situations');
    });
  }

  log(`${plans.length} children along every path`);
  const regionOf = (i: number) => REGIONS[i % REGIONS.length].id;
  const children = plans.map((p, i) => ({
    plan: p,
    child: new Child(courts[regionOf(i)], prng(1000 + i), i % 2 === 0 ? 'female' : 'male'),
  }));
  const width = Math.max(1, options.concurrency ?? 1);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < children.length) {
        const { plan, child } = children[next++];
        try {
          await plan.run(child);
        } catch (err) {
          if (err instanceof DemoSeedError) err.message = `${err.message} (path: ${plan.path})`;
          throw err;
        }
        done += 1;
        if (done % 50 === 0) log(`${done} of ${children.length} children`);
      }
    }),
  );

  // --- Incidents, inspections, sealing, the directory as it stands now ----------------------------
  log('incidents, inspections, sealing');
  if (deathEpisode.episodeId) {
    await admin.post(`/v1/facilities/${deathEpisode.facilityId}/incidents`, {
      kind: 'death',
      occurredAt: iso(deathEpisode.at!),
      custodyEpisodeId: deathEpisode.episodeId,
      notes: 'Synthetic record: death in custody, referred to the prosecutor and the ombudsman',
    });
    count('incidents');
    count('deaths_in_custody');
  }
  const incidentKinds = ['self_harm', 'use_of_force', 'isolation', 'injury', 'violence'] as const;
  incidentEpisodes.sort((a, b) => a.at - b.at);
  for (const [k, e] of incidentEpisodes.slice(0, incidentKinds.length).entries()) {
    await admin.post(`/v1/facilities/${e.facilityId}/incidents`, {
      kind: incidentKinds[k],
      occurredAt: iso(e.at),
      custodyEpisodeId: e.id,
      notes: 'Synthetic incident report',
    });
    count('incidents');
  }
  await admin.post(`/v1/facilities/${facilityIds['south-police']}/incidents`, {
    kind: 'other',
    occurredAt: iso(census - 50 * D),
    notes: 'Synthetic record: heating failure in the holding cells for two days',
  });
  count('incidents');
  const auditor = clients.as(AUDITOR);
  for (const f of FACILITIES) {
    if (f.inspectedMonthsAgo !== null) {
      await auditor.post(`/v1/facilities/${facilityIds[f.key]}/inspections`, {
        inspectedAt: iso(census - f.inspectedMonthsAgo * 30 * D),
        inspectorBody: 'Ombudsman, National Preventive Mechanism (demo)',
        independent: true,
        findings: 'Synthetic findings: overcrowding in one wing; education provided daily',
      });
      count('inspections');
    }
  }
  await auditor.post(`/v1/facilities/${facilityIds['north-pretrial']}/inspections`, {
    inspectedAt: iso(census - 4 * 30 * D),
    inspectorBody: 'Ministry of Justice internal review (demo)',
    independent: false,
    findings: 'Synthetic findings: internal review, not independent',
  });
  count('inspections');

  // Courts seal some old closed cases (diverted or dismissed, no new case of the child), by order.
  let sealed = 0;
  closedCases.sort((a, b) => a.closedAt - b.closedAt);
  for (const c of closedCases) {
    if (sealed >= 8 || !c.sealable || c.closedAt > census - 60 * D) continue;
    sealed += 1;
    await c.child.c.clerk.post(`/v1/cases/${c.caseId}/seal`, {
      orderReference: `DEMO-SEAL-${c.child.c.region.id.toUpperCase()}-${String(sealed).padStart(3, '0')}`,
    });
    count('cases_sealed');
  }

  for (const l of LAWYERS.filter((x) => LAPSED_LAWYERS.has(x.sub))) {
    const read = await admin.get(`/v1/staff/${l.sub}`);
    await admin.send(
      'PUT',
      `/v1/staff/${l.sub}`,
      { displayName: l.name, orgId: l.org, roles: ['legal_aid_lawyer'], juvenileSpecialised: false },
      [200],
      { 'if-match': String(read.headers.etag) },
    );
  }

  // Registered last: its presence says the jurisdiction is complete.
  await org(DEMO_MARKER_ORG, 'National Statistics Office (demo)', 'statistics');

  return {
    alreadySeeded: false,
    period,
    counts,
    alerts: await alertCounts(clients),
    requests: clients.requests,
    ms: Math.round(performance.now() - started),
  };
}

/** Open alerts per rule, summed over the demo courts' summaries (every rule is shown to a court clerk). */
async function alertCounts(clients: ReturnType<typeof demoClients>): Promise<Record<string, number>> {
  const out: Record<string, number> = Object.fromEntries(ALERT_RULES.map((r) => [r, 0]));
  for (const r of REGIONS) {
    const clerk = clients.as({
      sub: `demo-clerk-${r.id}`,
      roles: ['court_clerk'],
      org: `demo-court-${r.id}`,
    });
    const summary = await clerk.get('/v1/alerts/summary');
    for (const rule of summary.body.rules as { rule: string; open: number; acknowledged: number }[]) {
      out[rule.rule] = (out[rule.rule] ?? 0) + rule.open + rule.acknowledged;
    }
  }
  return out;
}

function iso(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}
function isoDate(ms: number): string {
  return iso(ms).slice(0, 10);
}
