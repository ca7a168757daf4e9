import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { rowsOf } from '../src/db/client.js';
import { isPrivateAddress } from '../src/modules/webhooks/target.js';
import {
  type Client,
  type Harness,
  createHarness,
  registerPartnerClient,
  testConfig,
  uid,
} from './helpers/app.js';
import { auditOf } from './helpers/case-path.js';
import { readFeed } from './helpers/events.js';
import { policeAndCourt as sharedPoliceAndCourt, referredCase } from './helpers/factories.js';
import { type Receiver, eventually, startReceiver, verifySignature } from './helpers/webhook-receiver.js';

const FAST = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_RETRY_MAX_DELAY_MS: '200',
  EVENTS_POLL_INTERVAL_MS: '50',
};

let h: Harness;
const receivers: Receiver[] = [];
beforeAll(async () => {
  h = await createHarness(FAST);
});
afterAll(async () => {
  for (const r of receivers) await r.close();
  await h?.close();
});

async function receiver() {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

const policeAndCourt = () => sharedPoliceAndCourt(h);
const refer = async (partner: Client, court: string) => (await referredCase(partner, court)).kase;

async function subscribe(partner: Client, r: Receiver, body: Record<string, unknown> = {}) {
  const res = await partner.post('/v1/webhook-subscriptions', { url: r.url, ...body });
  expect(res.statusCode).toBe(201);
  expect(res.json().secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  r.secrets.push(res.json().secret);
  return res.json();
}

const deliveriesOf = async (subscriptionId: string) =>
  rowsOf<{ id: string; event_id: string; status: string; attempts: number; last_error: string | null }>(
    await h.testDb.database.db.execute(
      sql`SELECT id, event_id, status, attempts, last_error FROM webhook_deliveries WHERE subscription_id = ${subscriptionId}`,
    ),
  );

describe('webhooks', () => {
  it('delivers every event exactly once, signed, after a forced failure and retry, with two instances sending', async () => {
    const second = await h.secondInstance();
    const r = await receiver();
    r.respond = ({ attempt }) => (attempt === 1 ? 500 : 204);
    const { court, clerk, partner } = await policeAndCourt();
    const sub = await subscribe(partner, r);
    const cases = [];
    for (let i = 0; i < 6; i++) cases.push(await refer(partner, court));
    // a hearing the partner may not read, and another court's case: neither is delivered
    await clerk.post(`/v1/cases/${cases[0].id}/hearings`, {
      scheduledAt: '2026-11-05T09:00:00Z',
      purpose: 'review',
    });
    const other = await policeAndCourt();
    const foreign = await refer(other.partner, other.court);

    await eventually(() => r.accepted.length >= 6, 'six accepted deliveries');
    // both instances keep working for a while: nothing more may arrive
    await Promise.all([
      h.app.webhookWorker.runOnce(),
      second.webhookWorker.runOnce(),
      h.app.webhookWorker.runOnce(),
    ]);
    await new Promise((res) => setTimeout(res, 500));

    expect(r.badSignatures).toBe(0);
    const eventIds = r.accepted.map((a) => a.body.data.id);
    expect(new Set(eventIds).size).toBe(6);
    expect(r.accepted).toHaveLength(6);
    expect(r.accepted.map((a) => a.body.data.caseId).sort()).toEqual(cases.map((c) => c.id).sort());
    expect(
      r.accepted.every((a) => a.body.type === 'case.created' && a.body.data.type === 'case.created'),
    ).toBe(true);
    expect(JSON.stringify(r.accepted)).not.toContain(foreign.id);
    // each message was tried twice under one webhook-id: the failure, then the retry
    expect([...r.attempts.values()]).toEqual([2, 2, 2, 2, 2, 2]);
    // the same events the partner's feed shows since the subscription
    const { events } = await readFeed(partner, { until: (e) => e.length >= 6 });
    expect(events.map((e) => e.id).sort()).toEqual([...eventIds].sort());

    await eventually(
      async () => (await deliveriesOf(sub.id)).every((d) => d.status === 'delivered'),
      'all marked delivered',
    );
    const log = await partner.get(`/v1/webhook-subscriptions/${sub.id}/deliveries?limit=100`);
    expect(log.statusCode).toBe(200);
    expect(log.json().items).toHaveLength(6);
    for (const d of log.json().items) {
      expect(d).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 204 });
      expect(r.attempts.get(d.id)).toBe(2);
    }
  });

  it('stops a delivery when the case is sealed before it is sent, and delivers nothing of it afterwards', async () => {
    const r = await receiver();
    const { court, clerk, partner } = await policeAndCourt();
    const sub = await subscribe(partner, r);
    let refuse = true;
    r.respond = () => (refuse ? 503 : 204);
    const kase = await refer(partner, court);
    await eventually(
      async () => (await deliveriesOf(sub.id)).some((d) => d.attempts >= 1),
      'a failed attempt',
    );
    expect((await clerk.post(`/v1/cases/${kase.id}/seal`, { orderReference: uid('order') })).statusCode).toBe(
      200,
    );
    // Keep refusing until the drop: an attempt already in flight when the case was sealed (it
    // passed its check just before) then fails and stays pending, and the next attempt drops it.
    await eventually(
      async () => (await deliveriesOf(sub.id))[0]?.status === 'dropped',
      'the delivery dropped',
    );
    refuse = false;
    // a case referred after it is still delivered; the sealed one never is
    const later = await refer(partner, court);
    await eventually(() => r.accepted.length >= 1, 'the later case');
    expect(r.accepted.map((a) => a.body.data.caseId)).toEqual([later.id]);
    const log = (await partner.get(`/v1/webhook-subscriptions/${sub.id}/deliveries?status=dropped`)).json();
    expect(log.items).toHaveLength(1);
    expect(log.items[0].lastError).toBe('the event is no longer visible to the subscriber');
    expect(JSON.stringify(log)).not.toContain(kase.id);
  });

  it("drops a pending delivery once the subscriber's client is deregistered", async () => {
    const r = await receiver();
    r.respond = () => 503;
    const { court, partner, police } = await policeAndCourt();
    const sub = await subscribe(partner, r);
    await refer(partner, court);
    await eventually(
      async () => (await deliveriesOf(sub.id)).some((d) => d.attempts >= 1),
      'a failed attempt',
    );
    const admin = await h.as({ sub: uid('admin'), roles: ['admin'], org: 'ministry' });
    const [row] = rowsOf<{ client_id: string }>(
      await h.testDb.database.db.execute(sql`SELECT client_id FROM partner_clients WHERE org_id = ${police}`),
    );
    expect((await admin.delete(`/v1/partner-clients/${row.client_id}`)).statusCode).toBe(204);
    // The receiver keeps failing: an attempt already in flight when the client was deregistered
    // (it passed its check just before) then stays pending, and the next attempt must drop it.
    // A receiver that accepted here would let that in-flight attempt end the test as 'delivered'.
    await eventually(
      async () => (await deliveriesOf(sub.id))[0].status === 'dropped',
      'the delivery dropped',
    );
    expect((await deliveriesOf(sub.id))[0].last_error).toBe(
      'the subscriber is no longer a registered client allowed events:read',
    );
  });

  it('pauses and resumes (events of the pause are delivered on resume), rotates the secret, deletes', async () => {
    const r = await receiver();
    const { court, partner } = await policeAndCourt();
    const sub = await subscribe(partner, r, { types: ['case.created'] });
    expect((await partner.post(`/v1/webhook-subscriptions/${sub.id}/pause`, {})).json().status).toBe(
      'paused',
    );
    const during = await refer(partner, court);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.accepted).toHaveLength(0);
    expect((await partner.post(`/v1/webhook-subscriptions/${sub.id}/resume`, {})).json().status).toBe(
      'active',
    );
    await eventually(() => r.accepted.length === 1, 'the event of the pause');
    expect(r.accepted[0].body.data.caseId).toBe(during.id);

    const rotated = await partner.post(`/v1/webhook-subscriptions/${sub.id}/rotate-secret`, {});
    expect(rotated.statusCode).toBe(200);
    const [oldSecret] = r.secrets;
    const newSecret = rotated.json().secret;
    expect(newSecret).not.toBe(oldSecret);
    r.secrets = [newSecret];
    await refer(partner, court);
    await eventually(() => r.accepted.length === 2, 'a delivery after rotation');
    // during the grace period both secrets sign: receivers switch over without losing a message
    const { signature, id, body, raw, timestamp } = r.accepted[1];
    expect(signature.split(' ')).toHaveLength(2);
    expect(verifySignature(oldSecret, id, timestamp, raw, signature)).toBe(true);
    expect(verifySignature(newSecret, id, timestamp, raw, signature)).toBe(true);
    expect(verifySignature(oldSecret, id, timestamp, `${raw} `, signature)).toBe(false);
    expect(r.badSignatures).toBe(0);
    expect(body.data).not.toHaveProperty('secret');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const list = (await partner.get('/v1/webhook-subscriptions')).json();
    expect(list.items.map((s: any) => s.id)).toEqual([sub.id]);
    expect(JSON.stringify(list)).not.toContain('whsec_');
    expect((await partner.get(`/v1/webhook-subscriptions/${sub.id}`)).json()).toMatchObject({
      url: r.url,
      types: ['case.created'],
    });
    expect((await partner.delete(`/v1/webhook-subscriptions/${sub.id}`)).statusCode).toBe(204);
    expect((await partner.get(`/v1/webhook-subscriptions/${sub.id}`)).statusCode).toBe(404);
    expect(await deliveriesOf(sub.id)).toEqual([]);
  });

  it("answers 404 (audited) for another partner's subscription, and 403 to roles that may not subscribe", async () => {
    const r = await receiver();
    const { partner } = await policeAndCourt();
    const sub = await subscribe(partner, r);
    const { partner: stranger } = await policeAndCourt();
    for (const res of [
      await stranger.get(`/v1/webhook-subscriptions/${sub.id}`),
      await stranger.post(`/v1/webhook-subscriptions/${sub.id}/pause`, {}),
      await stranger.post(`/v1/webhook-subscriptions/${sub.id}/rotate-secret`, {}),
      await stranger.get(`/v1/webhook-subscriptions/${sub.id}/deliveries`),
    ]) {
      expect(res.statusCode).toBe(404);
      expect((await auditOf(h, res))[0]).toMatchObject({ outcome: 'denied', resource_id: sub.id });
    }
    expect((await stranger.get('/v1/webhook-subscriptions')).json().items).toEqual([]);
    const clerk = await h.as({ sub: uid('clerk'), roles: ['court_clerk'], org: 'c' });
    expect((await clerk.post('/v1/webhook-subscriptions', { url: r.url })).statusCode).toBe(403);
    const noScope = await h.as({
      sub: uid('client'),
      roles: ['partner_system'],
      org: 'p',
      scope: 'cases:read',
    });
    expect((await noScope.post('/v1/webhook-subscriptions', { url: r.url })).statusCode).toBe(403);
    const bad = await partner.post('/v1/webhook-subscriptions', { url: r.url, types: ['case.exploded'] });
    expect(bad.statusCode).toBe(400);
  });

  it('marks a message failed when retries run out, and replays it on request', async () => {
    const r = await receiver();
    let refuse = true;
    r.respond = () => (refuse ? 500 : 204);
    const { court, partner } = await policeAndCourt();
    const sub = await subscribe(partner, r);
    await refer(partner, court);
    await eventually(
      async () => (await deliveriesOf(sub.id)).some((d) => d.attempts >= 2),
      'two failed attempts',
    );
    // the retry window (at least 24 h) has passed for this message
    await h.testDb.database.db.execute(
      sql`UPDATE webhook_deliveries SET retry_from = now() - interval '25 hours' WHERE subscription_id = ${sub.id}`,
    );
    await eventually(async () => (await deliveriesOf(sub.id))[0].status === 'failed', 'the message failed');
    const failed = (await partner.get(`/v1/webhook-subscriptions/${sub.id}/deliveries?status=failed`)).json();
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]).toMatchObject({
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      nextAttemptAt: null,
    });
    refuse = false;
    const replay = await partner.post(`/v1/webhook-subscriptions/${sub.id}/deliveries/replay`, {});
    expect(replay.json()).toEqual({ replayed: 1 });
    await eventually(() => r.accepted.length === 1, 'the replayed message');
    expect(r.accepted[0].id).toBe(failed.items[0].id);
    await eventually(async () => (await deliveriesOf(sub.id))[0].status === 'delivered', 'marked delivered');
  });
});

describe('webhook targets', () => {
  it('classifies private, loopback, link-local and reserved addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses private targets unless configured to allow them (422, nothing created)', async () => {
    const strict = await buildApp(testConfig(h.issuer, { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' }), {
      database: h.testDb.database,
    });
    try {
      const token = await h.issuer.sign(
        await registerPartnerClient(h.testDb, {
          sub: uid('client'),
          roles: ['partner_system'],
          org: 'p',
          scope: 'events:read',
        }),
      );
      for (const url of [
        'http://127.0.0.1:8080/x',
        'http://localhost/x',
        'http://169.254.169.254/latest',
        'http://[::1]/x',
        'http://10.0.0.5/x',
        'ftp://example.org/x',
        'http://user:pw@127.0.0.1/',
      ]) {
        const res = await strict.inject({
          method: 'POST',
          url: '/v1/webhook-subscriptions',
          headers: { authorization: `Bearer ${token}` },
          payload: { url },
        });
        expect(res.statusCode, url).toBe(422);
        expect(res.json().errors[0].path).toBe('body.url');
      }
      const [{ n }] = rowsOf<{ n: number }>(
        await h.testDb.database.db.execute(
          sql`SELECT count(*)::int AS n FROM webhook_subscriptions WHERE owner_org = 'p'`,
        ),
      );
      expect(n).toBe(0);
    } finally {
      await strict.close();
    }
  });
});
