/**
 * A synthetic jurisdiction for the benchmarks, generated inside the database with generate_series
 * (a million rows in seconds, no round trip per row). Ids are derived from the row number,
 * `bench_uuid('case' || i)`, so that the load generator and the pgbench baseline can pick the same
 * random case without a lookup table. Names mix a few hundred given and family names, as a real
 * register does, so the fuzzy match meets realistic candidate counts.
 */
import { createHash } from 'node:crypto';
import { nameKey } from '../src/lib/name-key.js';

export const COURTS = 10;

/** The fuzzy match the benchmark asks: a family name with a typo, a given name shared by many, a date of birth. */
export const MATCH_QUERY = 'givenName=Aysel&familyName=Mamadov120&dateOfBirth=2010-05-01';

/** The uuid the data set gives to row `i` of a kind: the same expression as in SQL. */
export function benchId(kind: 'case' | 'person', i: number): string {
  const m = createHash('md5').update(`${kind}${i}`).digest('hex');
  // A version-4, RFC 4122 variant uuid (the API validates them strictly): as bench_uuid() in SQL.
  const h = `${m.slice(0, 12)}4${m.slice(13, 16)}8${m.slice(17)}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const GIVEN = [
  'Aysel',
  'Leyla',
  'Nigar',
  'Gunel',
  'Sevinj',
  'Aynur',
  'Rena',
  'Samira',
  'Narmin',
  'Lala',
  'Elvin',
  'Rashad',
  'Tural',
  'Orkhan',
  'Kamran',
  'Farid',
  'Murad',
  'Ilkin',
  'Emil',
  'Vusal',
  'Amina',
  'Fatima',
  'Zahra',
  'Maryam',
  'Aliya',
  'Ruslan',
  'Timur',
  'Arif',
  'Anar',
  'Elnur',
  'Nicat',
  'Ramil',
  'Sabina',
  'Konul',
  'Ulviyya',
  'Jamila',
  'Aygun',
  'Togrul',
  'Ali',
  'Huseyn',
];
const FAMILY_ROOTS = [
  'Mammad',
  'Aliyev',
  'Hasanov',
  'Huseynov',
  'Guliyev',
  'Ismayilov',
  'Abbasov',
  'Babayev',
  'Rzayev',
  'Jafarov',
  'Karimov',
  'Mustafayev',
  'Najafov',
  'Orujov',
  'Quliyev',
  'Rahimov',
  'Safarov',
  'Taghiyev',
  'Valiyev',
  'Zeynalov',
  'Bagirov',
  'Gasimov',
  'Ibrahimov',
  'Mahmudov',
  'Nasirov',
  'Rustamov',
];

const sqlArray = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(',')}]`;

/**
 * Statements that fill an empty, migrated database with `cases` children, one case each (court
 * `court-1` .. `court-10`), two charges, a held hearing, a supervision for every fourth case and
 * `auditRows` audit rows. Family names get a numeric suffix so that a given name alone does not
 * pass the trigram threshold for a large share of the register.
 */
export function datasetSql(cases: number, auditRows: number): string[] {
  return [
    `CREATE OR REPLACE FUNCTION bench_uuid(t text) RETURNS uuid IMMUTABLE LANGUAGE sql
       AS $$ SELECT overlay(overlay(md5(t) PLACING '4' FROM 13) PLACING '8' FROM 17)::uuid $$`,
    `INSERT INTO organizations (id, name, kind, region)
       SELECT 'court-' || g, 'Juvenile Court ' || g, 'court', 'region-' || (g % 5)
         FROM generate_series(1, ${COURTS}) g ON CONFLICT DO NOTHING`,
    // The matching keys as the service stores them (src/lib/name-key.ts): a root's key followed by
    // the digits is the key of the root followed by the digits.
    `INSERT INTO persons (id, given_name, family_name, given_key, family_key, date_of_birth, sex, region, guardians, created_by, created_by_org)
       SELECT bench_uuid('person' || i),
              (${sqlArray(GIVEN)})[1 + (i % ${GIVEN.length})],
              (${sqlArray(FAMILY_ROOTS)})[1 + ((i / ${GIVEN.length}) % ${FAMILY_ROOTS.length})] || (i % 997),
              (${sqlArray(GIVEN.map(nameKey))})[1 + (i % ${GIVEN.length})],
              (${sqlArray(FAMILY_ROOTS.map(nameKey))})[1 + ((i / ${GIVEN.length}) % ${FAMILY_ROOTS.length})] || (i % 997),
              date '2009-01-01' + (i % 1400),
              (ARRAY['female','male'])[1 + (i % 2)],
              'region-' || (i % 5),
              jsonb_build_array(jsonb_build_object('name', 'Guardian ' || i, 'relationship', 'mother')),
              'bench', 'court-' || (1 + i % ${COURTS})
         FROM generate_series(1, ${cases}) i`,
    `INSERT INTO cases (id, person_id, court_org_id, stage, intake_kind, offence_date, intake_at, agency,
                        detained, age_at_offence, region, created_by, created_at, updated_at)
       SELECT bench_uuid('case' || i), bench_uuid('person' || i), 'court-' || (1 + i % ${COURTS}),
              CASE WHEN i % 4 = 0 THEN 'supervision' ELSE 'adjudication' END,
              (ARRAY['arrest','referral'])[1 + (i % 2)],
              timestamptz '2025-06-01' + (i % 300) * interval '1 day',
              timestamptz '2025-06-01' + (i % 300) * interval '1 day' + interval '2 hours',
              'Police ' || (i % 20), i % 3 = 0, 15, 'region-' || (i % 5), 'bench',
              now() - (i % 300) * interval '1 day', now()
         FROM generate_series(1, ${cases}) i`,
    `INSERT INTO charges (case_id, code, description, position)
       SELECT bench_uuid('case' || i), 'PC-' || (10 + p), 'Charge ' || p, p
         FROM generate_series(1, ${cases}) i, generate_series(1, 2) p`,
    `INSERT INTO hearings (case_id, purpose, scheduled_at, status, held_at, outcome, created_by)
       SELECT bench_uuid('case' || i), 'adjudication', timestamptz '2025-07-01' + (i % 300) * interval '1 day',
              'held', timestamptz '2025-07-01' + (i % 300) * interval '1 day', 'Heard', 'bench'
         FROM generate_series(1, ${cases}) i`,
    `INSERT INTO supervisions (case_id, officer_sub, officer_org_id, starts_on, ends_on, assigned_by)
       SELECT bench_uuid('case' || i), 'officer-' || (i % 50), 'probation-1', date '2025-08-01', date '2026-08-01', 'bench'
         FROM generate_series(4, ${cases}, 4) i`,
    `INSERT INTO audit_events (actor_sub, actor_roles, actor_org, action, resource_type, resource_id, case_id,
                               person_id, purpose, basis_type, basis_id, outcome, request_id)
       SELECT 'clerk-' || (g % 50), '{court_clerk}', 'court-' || (1 + g % ${COURTS}), 'read', 'case',
              bench_uuid('case' || (1 + g % ${cases}))::text, bench_uuid('case' || (1 + g % ${cases})),
              bench_uuid('person' || (1 + g % ${cases})), 'court_proceeding', 'owning_court',
              'court-' || (1 + g % ${COURTS}), 'allowed', 'bench-' || g
         FROM generate_series(1, ${auditRows}) g`,
    'ANALYZE',
  ];
}
