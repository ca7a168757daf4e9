import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { IfMatchHeader } from '../../lib/command-schemas.js';
import { etagOf } from '../../lib/etag.js';
import { UuidParam } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  CaseTransferCreate,
  HandoverAccept,
  HandoverDecline,
  HandoverQuery,
  Referral,
  ReferralComplete,
  ReferralCreate,
  ReferralPage,
  SupervisionTransferCreate,
  Transfer,
  TransferPage,
} from './schemas.js';
import { type HandoverGroup, type HandoverStep, handoverService } from './service.js';

export const handoverRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = handoverService(db, config);
  const tags = ['transfers'];

  app.post(
    '/cases/:id/transfers',
    {
      schema: {
        operationId: 'transferCase',
        tags,
        summary:
          'Send a case to another court (the owning court clerk); the receiving court accepts or declines',
        params: UuidParam,
        body: CaseTransferCreate,
        response: { 201: Transfer },
      },
    },
    async (request, reply) => {
      const row = await service.sendCase(contextOf(request), request.params.id, request.body);
      return reply
        .code(201)
        .header('etag', etagOf(row.version))
        .header('location', `/v1/transfers/${row.id}`)
        .send(row);
    },
  );

  app.post(
    '/supervisions/:id/transfers',
    {
      schema: {
        operationId: 'transferSupervision',
        tags,
        summary:
          'Send a supervision to another probation office (court clerk); an officer there accepts or declines',
        params: UuidParam,
        body: SupervisionTransferCreate,
        response: { 201: Transfer },
      },
    },
    async (request, reply) => {
      const row = await service.sendSupervision(contextOf(request), request.params.id, request.body);
      return reply
        .code(201)
        .header('etag', etagOf(row.version))
        .header('location', `/v1/transfers/${row.id}`)
        .send(row);
    },
  );

  app.post(
    '/cases/:id/referrals',
    {
      schema: {
        operationId: 'referCase',
        tags,
        summary:
          'Refer the child to a social-services organisation (court clerk or the assigned social worker)',
        params: UuidParam,
        body: ReferralCreate,
        response: { 201: Referral },
      },
    },
    async (request, reply) => {
      const row = await service.sendReferral(contextOf(request), request.params.id, request.body);
      return reply
        .code(201)
        .header('etag', etagOf(row.version))
        .header('location', `/v1/referrals/${row.id}`)
        .send(row);
    },
  );

  for (const group of ['transfer', 'referral'] as const satisfies HandoverGroup[]) {
    const Item = group === 'transfer' ? Transfer : Referral;
    const Name = group === 'transfer' ? 'Transfer' : 'Referral';
    app.get(
      `/${group}s`,
      {
        schema: {
          operationId: `listIncoming${Name}s`,
          tags,
          summary:
            group === 'transfer'
              ? "Transfers sent to the caller's organisation and waiting for its answer"
              : "Referrals sent to the caller's organisation while it is related to them (content left out)",
          querystring: HandoverQuery,
          response: { 200: group === 'transfer' ? TransferPage : ReferralPage },
        },
      },
      async (request) => service.incoming(contextOf(request), group, request.query),
    );
    app.get(
      `/${group}s/:id`,
      {
        schema: {
          operationId: `get${Name}`,
          tags,
          summary: `One ${group}, with its ETag (the sending side, the case's court, or the receiving organisation)`,
          params: UuidParam,
          response: { 200: Item },
        },
      },
      async (request, reply) => {
        const row = await service.get(contextOf(request), group, request.params.id);
        return reply.header('etag', etagOf(row.version)).send(row);
      },
    );
  }

  const steps: {
    group: HandoverGroup;
    step: HandoverStep;
    operationId: string;
    summary: string;
    body: typeof HandoverAccept | typeof HandoverDecline | typeof ReferralComplete;
  }[] = [
    {
      group: 'transfer',
      step: 'accept',
      operationId: 'acceptTransfer',
      summary: 'The receiving court or office accepts: access moves to it',
      body: HandoverAccept,
    },
    {
      group: 'transfer',
      step: 'decline',
      operationId: 'declineTransfer',
      summary: 'The receiving court or office declines, with the reason',
      body: HandoverDecline,
    },
    {
      group: 'referral',
      step: 'accept',
      operationId: 'acceptReferral',
      summary: 'The receiving organisation accepts the referral',
      body: HandoverAccept,
    },
    {
      group: 'referral',
      step: 'decline',
      operationId: 'declineReferral',
      summary: 'The receiving organisation declines, with the reason',
      body: HandoverDecline,
    },
    {
      group: 'referral',
      step: 'start',
      operationId: 'startReferral',
      summary: 'The receiving organisation starts the work',
      body: HandoverAccept,
    },
    {
      group: 'referral',
      step: 'complete',
      operationId: 'completeReferral',
      summary: 'The receiving organisation completes the work, with its outcome',
      body: ReferralComplete,
    },
  ];
  for (const group of ['transfer', 'referral'] as const) {
    app.post(
      `/${group}s/:id/withdraw`,
      {
        schema: {
          operationId: group === 'transfer' ? 'withdrawTransfer' : 'withdrawReferral',
          tags,
          summary:
            group === 'transfer'
              ? 'The sending court takes back a transfer still waiting for its answer (409 once answered)'
              : 'The sending organisation takes back a referral still waiting for its answer (409 once answered)',
          params: UuidParam,
          headers: IfMatchHeader,
          body: HandoverDecline,
          response: { 200: group === 'transfer' ? Transfer : Referral },
        },
      },
      async (request, reply) => {
        const row = await service.withdraw(
          contextOf(request),
          group,
          request.params.id,
          request.body,
          request.headers['if-match'],
        );
        return reply.header('etag', etagOf(row.version)).send(row);
      },
    );
  }

  for (const { group, step, operationId, summary, body } of steps) {
    app.post(
      `/${group}s/:id/${step}`,
      {
        schema: {
          operationId,
          tags,
          summary,
          params: UuidParam,
          headers: IfMatchHeader,
          body,
          response: { 200: group === 'transfer' ? Transfer : Referral },
        },
      },
      async (request, reply) => {
        const row = await service.respond(
          contextOf(request),
          group,
          request.params.id,
          step,
          request.body as { note?: string; reason?: string; outcome?: string; occurredAt?: string },
          request.headers['if-match'],
        );
        return reply.header('etag', etagOf(row.version)).send(row);
      },
    );
  }
};
