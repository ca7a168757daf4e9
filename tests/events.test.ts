import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { EVENT_TYPES } from '../src/modules/events/types.js';
import { type Harness, createHarness, uid } from './helpers/app.js';
import { auditOf, createStaff } from './helpers/case-path.js';
import { type FeedEvent, readFeed } from './helpers/events.js';
import {
  createCase,
  createOrg,
  createPerson,
  policeAndCourt as sharedPoliceAndCourt,
  referredCase,
} from './helpers/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ EVENTS_POLL_INTERVAL_MS: '50' });
});
afterAll(async () => h?.close());

const ofCase = (events: FeedEvent[], caseId: string) => events.filter((e) => e.caseId === caseId);

const policeAndCourt = () => sharedPoliceAndCourt(h);

describe('the event feed', () => {
  it('raises one thin event per change, in the order committed, without personal data', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const kase = await createCase(clerk, person.id);
    const hearing = (
      await clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: '2026-11-05T09:00:00Z',
        listedAt: '2026-11-02T09:00:00Z',
        purpose: 'detention review',
      })
    ).json();
    const held = await clerk.post(`/v1/hearings/${hearing.id}/hold`, {
      heldAt: '2026-11-05T09:30:00Z',
      outcome: 'Released to the mother',
      attendees: ['child'],
      childFriendlyCourtroom: true,
    });
    expect(held.statusCode).toBe(200);
    // a refused change raises nothing: the hearing is no longer scheduled
    expect((await clerk.post(`/v1/hearings/${hearing.id}/cancel`, { reason: 'late' })).statusCode).toBe(409);

    const { events } = await readFeed(clerk, { until: (e) => ofCase(e, kase.id).length >= 3 });
    const mine = ofCase(events, kase.id);
    expect(mine.map((e) => [e.type, e.resourceType, e.resourceId])).toEqual([
      ['case.created', 'case', kase.id],
      ['hearing.created', 'hearing', hearing.id],
      ['hearing.updated', 'hearing', hearing.id],
    ]);
    for (const e of mine) {
      expect(Object.keys(e).sort()).toEqual([
        'caseId',
        'id',
        'occurredAt',
        'resourceId',
        'resourceType',
        'type',
      ]);
      expect(EVENT_TYPES).toContain(e.type);
    }
    const body = JSON.stringify(events);
    for (const secret of [person.givenName, person.familyName, 'Released to the mother', 'detention review'])
      expect(body).not.toContain(secret);
    // the outbox holds exactly these three for the case: the 409 left none
    const rows = rowsOf<{ n: number }>(
      await h.testDb.database.db.execute(
        sql`SELECT count(*)::int AS n FROM events WHERE case_id = ${kase.id}`,
      ),
    );
    expect(rows[0].n).toBe(3);
  });

  it('continues from nextCursor, filters by type, and audits each answer once', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const person = await createPerson(clerk);
    const first = await createCase(clerk, person.id);
    const { cursor } = await readFeed(clerk, { until: (e) => ofCase(e, first.id).length === 1 });
    const second = await createCase(clerk, person.id, {
      offenceDate: '2026-10-01T10:00:00Z',
      intakeAt: '2026-10-01T12:00:00Z',
    });
    await clerk.post(`/v1/cases/${second.id}/hearings`, {
      scheduledAt: '2026-11-05T09:00:00Z',
      purpose: 'review',
    });
    const next = await readFeed(clerk, { after: cursor, until: (e) => e.length >= 2 });
    expect(next.events.map((e) => [e.type, e.caseId])).toEqual([
      ['case.created', second.id],
      ['hearing.created', second.id],
    ]);
    const onlyHearings = await readFeed(clerk, {
      types: 'hearing.created,hearing.updated',
      until: (e) => e.length >= 1,
    });
    expect(onlyHearings.events.map((e) => e.type)).toEqual(['hearing.created']);

    const res = await clerk.get(`/v1/events?after=${encodeURIComponent(next.cursor)}`);
    expect(res.json()).toMatchObject({ items: [] });
    expect(typeof res.json().nextCursor).toBe('string');
    const audit = await auditOf(h, res);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'search', resource_type: 'event', outcome: 'allowed' });

    expect((await clerk.get('/v1/events?types=case.created,case.exploded')).statusCode).toBe(400);
    expect((await clerk.get('/v1/events?after=bm90LWEtY3Vyc29y')).statusCode).toBe(400);
    expect((await clerk.get('/v1/events?wait=31')).statusCode).toBe(400);
  });

  it('shows a partner the events of the cases it referred, of the kinds it may read, and nothing else', async () => {
    const { court, clerk, partner } = await policeAndCourt();
    const { kase } = await referredCase(partner, court);
    await clerk.post(`/v1/cases/${kase.id}/hearings`, {
      scheduledAt: '2026-11-05T09:00:00Z',
      purpose: 'review',
    });
    // another court's case, and a case of this court the partner did not refer
    const other = await policeAndCourt();
    const { kase: foreign } = await referredCase(other.partner, other.court);
    const unrelated = await createCase(clerk, (await createPerson(clerk)).id);
    // a marker: once the partner sees it, every earlier event is final
    const { kase: marker } = await referredCase(partner, court);

    const { events } = await readFeed(partner, { until: (e) => e.some((x) => x.caseId === marker.id) });
    expect(events.map((e) => [e.type, e.caseId])).toEqual([
      ['case.created', kase.id],
      ['case.created', marker.id],
    ]);
    expect(JSON.stringify(events)).not.toContain(foreign.id);
    expect(JSON.stringify(events)).not.toContain(unrelated.id);
    // each event shown passes the same decision as a read of its resource
    for (const e of events) expect((await partner.get(`/v1/cases/${e.caseId}`)).statusCode).toBe(200);
    // the court's clerk sees the hearing the partner may not read
    const asClerk = await readFeed(clerk, { until: (e) => e.some((x) => x.caseId === marker.id) });
    expect(ofCase(asClerk.events, kase.id).map((e) => e.type)).toEqual(['case.created', 'hearing.created']);
    expect(ofCase(asClerk.events, foreign.id)).toEqual([]);

    // without the events:read scope the feed is refused outright, and the refusal is audited
    const noScope = await h.as({
      sub: uid('client'),
      roles: ['partner_system'],
      org: other.police,
      scope: 'cases:read',
    });
    const refused = await noScope.get('/v1/events');
    expect(refused.statusCode).toBe(403);
    expect((await auditOf(h, refused))[0]).toMatchObject({ outcome: 'denied', resource_type: 'event' });
    for (const role of ['auditor', 'analyst', 'admin']) {
      expect(
        (await (await h.as({ sub: uid(role), roles: [role], org: 'x' })).get('/v1/events')).statusCode,
      ).toBe(403);
    }
  });

  it("hides a sealed case's events from everyone, past ones included, but the sealing court naming its order", async () => {
    const { court, clerk, partner } = await policeAndCourt();
    const { kase } = await referredCase(partner, court);
    await readFeed(partner, { until: (e) => ofCase(e, kase.id).length === 1 });
    const order = uid('order');
    expect((await clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference: order })).statusCode).toBe(200);
    const { kase: marker } = await referredCase(partner, court);
    const asPartner = await readFeed(partner, { until: (e) => e.some((x) => x.caseId === marker.id) });
    expect(ofCase(asPartner.events, kase.id)).toEqual([]);
    const asClerk = await readFeed(clerk, { until: (e) => e.some((x) => x.caseId === marker.id) });
    expect(ofCase(asClerk.events, kase.id)).toEqual([]);
    const withOrder = await readFeed(clerk, {
      headers: { 'court-order-reference': order },
      until: (e) => e.some((x) => x.caseId === marker.id),
    });
    expect(ofCase(withOrder.events, kase.id).map((e) => e.type)).toEqual(['case.created', 'case.updated']);
    // another court naming the same order sees nothing
    const otherClerk = await h.as({
      sub: uid('clerk'),
      roles: ['court_clerk'],
      org: await createOrg(h, 'court'),
    });
    const elsewhere = await readFeed(otherClerk, { headers: { 'court-order-reference': order } });
    expect(ofCase(elsewhere.events, kase.id)).toEqual([]);
  });

  it("follows a lawyer's relationship: events appear once the assignment is accepted and vanish when it is withdrawn", async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const kase = await createCase(clerk, (await createPerson(clerk)).id);
    const lawyer = await createStaff(h, 'legal_aid_lawyer');
    const assignment = (
      await clerk.post(`/v1/cases/${kase.id}/legal-aid-assignments`, { lawyerSub: lawyer.sub })
    ).json();
    const before = await lawyer.get('/v1/events');
    expect(ofCase(before.json().items, kase.id)).toEqual([]);
    expect((await lawyer.post(`/v1/legal-aid/assignments/${assignment.id}/accept`, {})).statusCode).toBe(200);
    const related = await readFeed(lawyer, {
      until: (e) => ofCase(e, kase.id).some((x) => x.type === 'legal_aid_assignment.updated'),
    });
    expect(ofCase(related.events, kase.id).map((e) => e.type)).toEqual([
      'case.created',
      'legal_aid_assignment.created',
      'legal_aid_assignment.updated',
    ]);
    expect(
      (
        await clerk.post(`/v1/legal-aid/assignments/${assignment.id}/withdraw`, {
          reason: 'conflict of interest',
        })
      ).statusCode,
    ).toBe(200);
    const after = await lawyer.get('/v1/events');
    expect(ofCase(after.json().items, kase.id)).toEqual([]);
  });

  it('answers a long poll as soon as an event comes, and an empty one when the wait ends', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const { cursor } = await readFeed(clerk);
    const empty = await clerk.get(`/v1/events?wait=1&after=${encodeURIComponent(cursor)}`);
    expect(empty.statusCode).toBe(200);
    expect(empty.json().items).toEqual([]);
    const waiting = clerk.get(`/v1/events?wait=30&after=${encodeURIComponent(cursor)}`);
    await new Promise((r) => setTimeout(r, 200));
    const kase = await createCase(clerk, (await createPerson(clerk)).id);
    const res = await waiting;
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((e: FeedEvent) => [e.type, e.caseId])).toEqual([['case.created', kase.id]]);
    // one audit row for the whole wait, not one per look
    expect(await auditOf(h, res)).toHaveLength(1);
  });

  it('prunes events past the retention, with two instances pruning at once', async () => {
    const second = await h.secondInstance();
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const old = await createCase(clerk, (await createPerson(clerk)).id);
    const recent = await createCase(clerk, (await createPerson(clerk)).id);
    await h.testDb.database.db.execute(
      sql`UPDATE events SET occurred_at = now() - interval '91 days' WHERE case_id = ${old.id}`,
    );
    const [a, b] = await Promise.all([h.app.eventPruner.pruneNow(), second.eventPruner.pruneNow()]);
    expect(a + b).toBeGreaterThanOrEqual(1);
    const left = rowsOf<{ case_id: string }>(
      await h.testDb.database.db.execute(
        sql`SELECT case_id FROM events WHERE case_id IN (${old.id}, ${recent.id})`,
      ),
    ).map((r) => r.case_id);
    expect(left).toEqual([recent.id]);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('a late commit (PostgreSQL: needs two connections)', () => {
  it('never falls behind a cursor: an event committed late is delivered, in transaction order', async () => {
    const court = await createOrg(h, 'court');
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: court });
    const kase = await createCase(clerk, (await createPerson(clerk)).id);
    const { cursor } = await readFeed(clerk, { until: (e) => ofCase(e, kase.id).length === 1 });
    const slow = new pg.Client({ connectionString: h.testDb.url! });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      await slow.query(
        "INSERT INTO events (type, case_id, resource_type, resource_id) VALUES ('case.updated', $1::uuid, 'case', $1::text)",
        [kase.id],
      );
      // a change committed while the first transaction is still open
      await clerk.post(`/v1/cases/${kase.id}/hearings`, {
        scheduledAt: '2026-11-05T09:00:00Z',
        purpose: 'review',
      });
      const meanwhile = await clerk.get(`/v1/events?after=${encodeURIComponent(cursor)}`);
      expect(meanwhile.json().items).toEqual([]);
      const held = meanwhile.json().nextCursor;
      await slow.query('COMMIT');
      const { events } = await readFeed(clerk, { after: held, until: (e) => e.length >= 2 });
      expect(events.map((e) => e.type)).toEqual(['case.updated', 'hearing.created']);
    } finally {
      await slow.end();
    }
  });
});
