import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMatchCandidate } from '../src/access/decide.js';
import { loadPersonFacts } from '../src/access/facts.js';
import { rowsOf } from '../src/db/client.js';
import { nameKey } from '../src/lib/name-key.js';
import { type Client, type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, expectAudited } from './helpers/case-path.js';
import { createCase, createOrg, createPerson } from './helpers/factories.js';

/**
 * Capability 12: the same child's name in Azerbaijani (Latin, Cyrillic), Russian and English
 * spellings meets in `GET /v1/persons/matches`; the national identity number is an exact key; two
 * records of the same child are merged by a clerk of a court that sees both.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

/** Spellings of one name that must share one key. */
const SAME = [
  ['Məmmədov', 'Mammadov', 'Mamedov', 'Мамедов', 'МАММАДОВ', 'Məmmədova', 'Мамедова'],
  ['Əliyev', 'Aliyev', 'Алиев', 'Әлијев', 'ƏLİYEV', 'Aliyeva'],
  ['Hüseynov', 'Huseynov', 'Гусейнов', 'Guseynov'],
  ['Cəfərov', 'Jafarov', 'Джафаров', 'Dzhafarov'],
  ['Xəlilov', 'Khalilov', 'Халилов'],
  ['Tağıyev', 'Taghiyev', 'Тагиев'],
  ['Hacıyev', 'Hajiyev', 'Гаджиев'],
  ['Babayev', 'Бабаев'],
  ['Aysel', 'Айсель'],
  ['Çingiz', 'Chingiz', 'Чингиз'],
  ['Rəşad', 'Rashad', 'Рашад'],
  ['İlham', 'Ilham', 'Ильхам'],
  ['Nicat', 'Nijat', 'Ниджат'],
  ['Qasımov', 'Gasimov', 'Гасымов', 'Касымов'],
  ['Quliyev', 'Guliyev', 'Кулиев', 'Гулиев', 'Kuliyev'],
  ['Orucov', 'Orujov', 'Оруджев', 'Оруджов'],
  ['Kərimov', 'Karimov', 'Керимов'],
];

const key = async (name: string) =>
  rowsOf<{ k: string | null }>(
    await h.testDb.database.db.execute(sql`SELECT person_name_key(${name}) AS k`),
  )[0].k;

describe('the matching key of a name (src/lib/name-key.ts)', () => {
  it('gives every spelling of a name, in any script, one key', () => {
    for (const group of SAME) {
      const keys = new Set(group.map(nameKey));
      expect([...keys], group.join(' / ')).toHaveLength(1);
    }
    // Different names stay apart.
    expect(nameKey('Məmmədov')).not.toBe(nameKey('Əliyev'));
    expect(nameKey('Hüseynov')).not.toBe(nameKey('Həsənov'));
    expect(nameKey('  --  ')).toBe('');
  });

  it('is computed the same by the SQL function the migration backfills with', async () => {
    const names = [
      ...SAME.flat(),
      'José Müller-Ölçək',
      "O'Brien",
      'Щукина',
      'Ёлкин',
      'Ayyub',
      'Mammad120',
      '',
    ];
    for (const name of names) expect(await key(name), name).toBe(nameKey(name));
  });
});

async function court() {
  const id = await createOrg(h, 'court');
  const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: id });
  return { id, clerk };
}

const matches = async (client: Client, q: Record<string, string>) => {
  const res = await client.get(`/v1/persons/matches?${new URLSearchParams(q)}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as {
    id: string;
    score: number;
    sameDateOfBirth: boolean;
    sameNationalId: boolean;
  }[];
};

/** A family name no other test uses, in the three spellings of "Məmmədov" followed by it. */
const suffix = () =>
  `Tst${uid('x')
    .replace(/[^a-z]/gi, '')
    .slice(-6)}`;

describe('a match across scripts', () => {
  it('finds the Latin, Cyrillic and English spellings of the same child, with and without a date of birth', async () => {
    const { clerk } = await court();
    const tail = suffix();
    const az = await createPerson(clerk, {
      givenName: 'Aysel',
      familyName: `Məmmədova ${tail}`,
      dateOfBirth: '2011-03-04',
    });
    const ru = await createPerson(clerk, {
      givenName: 'Айсель',
      familyName: `Мамедова ${tail}`,
      dateOfBirth: '2011-03-04',
    });
    const other = await createPerson(clerk, {
      givenName: 'Aysel',
      familyName: `Əliyeva ${tail}`,
      dateOfBirth: '2011-03-04',
    });

    // The English spelling, with the date of birth: both records of the child, first, scored 1.
    const found = await matches(clerk, {
      givenName: 'Aysel',
      familyName: `Mammadova ${tail}`,
      dateOfBirth: '2011-03-04',
    });
    const ids = found.map((m) => m.id);
    expect(ids.slice(0, 2).sort()).toEqual([az.id, ru.id].sort());
    expect(found.filter((m) => m.id === az.id || m.id === ru.id).every((m) => m.score === 1)).toBe(true);
    expect(found.find((m) => m.id === az.id)).toMatchObject({ sameDateOfBirth: true, sameNationalId: false });

    // Russian spelling without a date of birth: the family-name key alone finds both.
    const byName = await matches(clerk, { givenName: 'Айсель', familyName: `Мамедова ${tail}` });
    expect(byName.map((m) => m.id).sort()).toEqual([az.id, ru.id].sort());
    expect(byName.map((m) => m.id)).not.toContain(other.id);

    // A typo the key does not absorb is found through the date of birth.
    const typo = await matches(clerk, {
      givenName: 'Aysel',
      familyName: `Mamedovva ${tail}x`,
      dateOfBirth: '2011-03-04',
    });
    expect(typo.map((m) => m.id)).toEqual(expect.arrayContaining([az.id, ru.id]));
  });

  it('takes the national identity number as an exact key, unique among live records and validated', async () => {
    const { clerk } = await court();
    const fin = `7${uid('f')
      .replace(/[^a-z0-9]/gi, '')
      .slice(-6)
      .toUpperCase()}`
      .slice(0, 7)
      .padEnd(7, 'Z');
    const child = await createPerson(clerk, {
      givenName: 'Rəşad',
      familyName: `Hüseynov ${suffix()}`,
      nationalId: fin.toLowerCase(),
    });
    expect(child.nationalId).toBe(fin);

    // Any name: the number finds the record, first.
    const found = await matches(clerk, { givenName: 'Someone', familyName: 'Else', nationalId: fin });
    expect(found[0]).toMatchObject({ id: child.id, sameNationalId: true });

    // A second live record with the same number: 409, audited, nothing created.
    const dup = await clerk.post('/v1/persons', {
      givenName: 'Rashad',
      familyName: 'Huseynov',
      dateOfBirth: '2010-05-01',
      nationalId: fin,
    });
    expect(dup.statusCode, dup.body).toBe(409);
    expect(dup.json()).toMatchObject({ field: 'nationalId' });
    expect((await auditOf(h, dup)).map((r) => r.outcome)).toEqual(['denied']);

    // Not a FIN: 400 naming the field.
    for (const bad of ['123', '12345678', 'ABC-123']) {
      const res = await clerk.post('/v1/persons', {
        givenName: 'A',
        familyName: 'B',
        dateOfBirth: '2010-05-01',
        nationalId: bad,
      });
      expect(res.statusCode, bad).toBe(400);
      expect(res.body).toContain('nationalId');
    }
    const badQuery = await clerk.get('/v1/persons/matches?givenName=A&familyName=B&nationalId=12');
    expect(badQuery.statusCode).toBe(400);
  });

  it('keeps the key with the name through a correction', async () => {
    const { clerk } = await court();
    const tail = suffix();
    const child = await createPerson(clerk, { givenName: 'Nicat', familyName: `Smith ${tail}` });
    const fixed = await clerk.patch(
      `/v1/persons/${child.id}`,
      { reason: 'Spelling from the birth certificate', familyName: `Cəfərov ${tail}` },
      { 'if-match': '"1"' },
    );
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect(
      (await matches(clerk, { givenName: 'Ниджат', familyName: `Джафаров ${tail}` })).map((m) => m.id),
    ).toEqual([child.id]);
    expect(await matches(clerk, { givenName: 'Nicat', familyName: `Smith ${tail}` })).toEqual([]);
  });

  it('proposes exactly the children the access rule calls candidates (sealed, merged and expunged left out)', async () => {
    const { id: courtId, clerk } = await court();
    const tail = suffix();
    const name = { givenName: 'Tural', familyName: `Babayev ${tail}`, dateOfBirth: '2010-02-02' };
    const noCase = await createPerson(clerk, name);
    const open = await createPerson(clerk, name);
    await createCase(clerk, open.id, { offenceDate: '2026-11-01T10:00:00Z' });
    const sealedOnly = await createPerson(clerk, name);
    const sealedCase = await createCase(clerk, sealedOnly.id);
    const orderReference = uid('ORD');
    expect((await clerk.post(`/v1/cases/${sealedCase.id}/seal`, { orderReference })).statusCode).toBe(200);
    const sealedAndOpen = await createPerson(clerk, name);
    const s2 = await createCase(clerk, sealedAndOpen.id);
    await createCase(clerk, sealedAndOpen.id);
    expect((await clerk.post(`/v1/cases/${s2.id}/seal`, { orderReference: uid('ORD') })).statusCode).toBe(
      200,
    );
    const merged = await createPerson(clerk, name);
    const m = await clerk.post(
      `/v1/persons/${merged.id}/merge`,
      { survivorId: noCase.id, survivorVersion: 1, reason: 'Same child' },
      { 'if-match': '"1"' },
    );
    expect(m.statusCode, m.body).toBe(200);
    void courtId;

    const found = (await matches(clerk, { givenName: 'Tural', familyName: `Бабаев ${tail}` })).map(
      (x) => x.id,
    );
    const db = h.testDb.database.db;
    for (const p of [noCase, open, sealedOnly, sealedAndOpen, merged]) {
      const facts = await loadPersonFacts(db, p.id);
      expect(found.includes(p.id), p.id).toBe(isMatchCandidate(facts!));
    }
    expect(found.sort()).toEqual([noCase.id, open.id, sealedAndOpen.id].sort());
  });
});

describe('the audit of a match (one read statement and its row, no transaction around them)', () => {
  it('records every match with one row, allowed for a clerk and denied for a role that may not match', async () => {
    const courtId = await createOrg(h, 'court');
    const sub = uid('clerk');
    const clerk = await h.as({ sub, roles: ['court_clerk'], org: courtId });
    const tail = suffix();
    const child = await createPerson(clerk, { givenName: 'Leyla', familyName: `Rzayeva ${tail}` });
    const q = new URLSearchParams({ givenName: 'Лейла', familyName: `Рзаева ${tail}` });
    const found = await clerk.get(`/v1/persons/matches?${q}`);
    const body = await expectAudited(h, found, 200, 1);
    expect(body.items.map((x: { id: string }) => x.id)).toEqual([child.id]);
    const [row] = await auditOf(h, found);
    expect([row.action, row.resource_type, row.actor_sub]).toEqual(['search', 'person', sub]);

    const judge = await h.as({ sub: uid('judge'), roles: ['judge'], org: await createOrg(h, 'court') });
    const refused = await judge.get(`/v1/persons/matches?${q}`);
    await expectAudited(h, refused, 403, 1);
    expect((await auditOf(h, refused))[0].action).toBe('search');
  });
});

describe('merging two records of the same child', () => {
  async function twoRecords() {
    const a = await court();
    const tail = suffix();
    const survivor = await createPerson(a.clerk, {
      givenName: 'Elvin',
      familyName: `Əliyev ${tail}`,
      dateOfBirth: '2010-06-01',
    });
    const duplicate = await createPerson(a.clerk, {
      givenName: 'Эльвин',
      familyName: `Алиев ${tail}`,
      dateOfBirth: '2010-06-01',
    });
    const survivorCase = await createCase(a.clerk, survivor.id);
    const dupCase = await createCase(a.clerk, duplicate.id);
    return { ...a, survivor, duplicate, survivorCase, dupCase };
  }

  it('lets a clerk of a court that sees both merge them: cases move, the old id redirects, audit and timeline', async () => {
    const { clerk, survivor, duplicate, survivorCase, dupCase } = await twoRecords();
    const body = { survivorId: survivor.id, survivorVersion: 1, reason: 'Same child, two spellings' };

    // If-Match on both: none (428), stale on the record (412), stale on the survivor (412).
    await expectAudited(h, await clerk.post(`/v1/persons/${duplicate.id}/merge`, body), 428, 1);
    await expectAudited(
      h,
      await clerk.post(`/v1/persons/${duplicate.id}/merge`, body, { 'if-match': '"7"' }),
      412,
      1,
    );
    await expectAudited(
      h,
      await clerk.post(
        `/v1/persons/${duplicate.id}/merge`,
        { ...body, survivorVersion: 3 },
        { 'if-match': '"1"' },
      ),
      412,
      1,
    );

    const res = await clerk.post(`/v1/persons/${duplicate.id}/merge`, body, { 'if-match': '"1"' });
    const result = await expectAudited(h, res, 200, 2);
    expect(result).toMatchObject({ mergedId: duplicate.id, movedCaseIds: [dupCase.id] });
    expect(result.survivor).toMatchObject({ id: survivor.id });
    expect(res.headers.etag).toBe('"2"');
    const audit = await auditOf(h, res);
    expect(audit.map((r) => r.resource_id).sort()).toEqual([duplicate.id, survivor.id].sort());
    expect(audit.map((r) => r.reason).join(' ')).not.toContain('two spellings');

    // The moved case belongs to the survivor; its history keeps the record it came from.
    const moved = await clerk.get(`/v1/cases/${dupCase.id}`);
    expect(moved.json().personId).toBe(survivor.id);
    const corrections = await clerk.get(`/v1/cases/${dupCase.id}/corrections`);
    expect(corrections.statusCode, corrections.body).toBe(200);
    expect(corrections.json().items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'personId', oldValue: duplicate.id, newValue: survivor.id }),
      ]),
    );
    const listed = await clerk.get(`/v1/cases?personId=${survivor.id}`);
    expect(
      listed
        .json()
        .items.map((c: { id: string }) => c.id)
        .sort(),
    ).toEqual([survivorCase.id, dupCase.id].sort());

    // Both cases show the merge on their timeline.
    for (const kase of [survivorCase, dupCase]) {
      const timeline = await clerk.get(`/v1/cases/${kase.id}/timeline`);
      expect(timeline.statusCode, timeline.body).toBe(200);
      expect(timeline.json().items.map((e: { kind: string }) => e.kind)).toContain('child_records_merged');
    }

    // The old id answers 308 to the survivor, audited as a read.
    const old = await clerk.get(`/v1/persons/${duplicate.id}`);
    const pointer = await expectAudited(h, old, 308, 1);
    expect(old.headers.location).toBe(`/v1/persons/${survivor.id}`);
    expect(pointer).toMatchObject({ id: duplicate.id, mergedInto: survivor.id });

    // Someone who may not read the survivor gets the 404 of any unknown record.
    const stranger = (await court()).clerk;
    const hidden = await stranger.get(`/v1/persons/${duplicate.id}`);
    await expectAudited(h, hidden, 404, 1);
    const random = await stranger.get(`/v1/persons/${crypto.randomUUID()}`);
    const bare = (b: Record<string, unknown>) => ({ ...b, requestId: undefined, instance: undefined });
    expect(bare(hidden.json())).toEqual(bare(random.json()));

    // A merged record is no longer a match, nor something to merge or correct.
    const again = await clerk.post(
      `/v1/persons/${duplicate.id}/merge`,
      { ...body, survivorVersion: 2 },
      { 'if-match': '"2"' },
    );
    await expectAudited(h, again, 404, 1);
  });

  it('refuses a clerk whose court cannot see both records (404, as for any record it may not see)', async () => {
    const { clerk, survivor } = await twoRecords();
    const other = await court();
    const theirs = await createPerson(other.clerk, { givenName: 'Elvin', familyName: 'Aliyev' });
    await createCase(other.clerk, theirs.id);
    const res = await clerk.post(
      `/v1/persons/${theirs.id}/merge`,
      { survivorId: survivor.id, survivorVersion: 1, reason: 'Same child' },
      { 'if-match': '"1"' },
    );
    await expectAudited(h, res, 404, 1);
    const reverse = await other.clerk.post(
      `/v1/persons/${theirs.id}/merge`,
      { survivorId: survivor.id, survivorVersion: 1, reason: 'Same child' },
      { 'if-match': '"1"' },
    );
    await expectAudited(h, reverse, 404, 1);
    // Nothing moved.
    expect((await other.clerk.get(`/v1/persons/${theirs.id}`)).statusCode).toBe(200);
    // Other roles: 403.
    const judge = await h.as({ sub: uid('judge'), roles: ['judge'], org: other.id });
    await expectAudited(
      h,
      await judge.post(
        `/v1/persons/${theirs.id}/merge`,
        { survivorId: survivor.id, survivorVersion: 1, reason: 'x' },
        { 'if-match': '"1"' },
      ),
      403,
      1,
    );
  });

  it('refuses when either record has a sealed case (409 in the conflict shape), and changes nothing', async () => {
    const { clerk, survivor, duplicate, dupCase } = await twoRecords();
    // A second case of the duplicate, sealed: the record stays visible through its open case.
    const sealedCase = await createCase(clerk, duplicate.id);
    expect(
      (await clerk.post(`/v1/cases/${sealedCase.id}/seal`, { orderReference: uid('ORD') })).statusCode,
    ).toBe(200);
    const res = await clerk.post(
      `/v1/persons/${duplicate.id}/merge`,
      { survivorId: survivor.id, survivorVersion: 1, reason: 'Same child' },
      { 'if-match': '"1"' },
    );
    const problem = await expectAudited(h, res, 409, 1);
    expect(problem).toMatchObject({ status: 409, currentStatus: 'sealed', personId: duplicate.id });
    expect((await clerk.get(`/v1/cases/${dupCase.id}`)).json().personId).toBe(duplicate.id);
    expect((await clerk.get(`/v1/persons/${duplicate.id}`)).statusCode).toBe(200);
  });

  it('refuses two records holding different national identity numbers, and a merge into itself', async () => {
    const { clerk } = await court();
    const a = await createPerson(clerk, {
      nationalId: `A${uid('n')
        .replace(/[^0-9]/g, '')
        .padEnd(6, '1')
        .slice(0, 6)}`,
    });
    const b = await createPerson(clerk, {
      nationalId: `B${uid('n')
        .replace(/[^0-9]/g, '')
        .padEnd(6, '2')
        .slice(0, 6)}`,
    });
    const res = await clerk.post(
      `/v1/persons/${a.id}/merge`,
      { survivorId: b.id, survivorVersion: 1, reason: 'Same child' },
      { 'if-match': '"1"' },
    );
    expect((await expectAudited(h, res, 409, 1)).field).toBe('nationalId');
    const self = await clerk.post(
      `/v1/persons/${a.id}/merge`,
      { survivorId: a.id, survivorVersion: 1, reason: 'Same child' },
      { 'if-match': '"1"' },
    );
    await expectAudited(h, self, 422, 1);
  });
});
