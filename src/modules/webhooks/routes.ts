import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { PageQuery, UuidParam, page } from '../../lib/schemas.js';
import { contextOf } from '../../plugins/auth.js';
import {
  DeliveryQuery,
  ReplayRequest,
  ReplayResult,
  WebhookDelivery,
  WebhookSecret,
  WebhookSubscription,
  WebhookSubscriptionCreate,
  WebhookSubscriptionCreated,
} from './schemas.js';
import { webhookService } from './service.js';

export const webhookRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = webhookService(db, config);
  const tags = ['webhooks'];

  app.post(
    '/webhook-subscriptions',
    {
      schema: {
        operationId: 'createWebhookSubscription',
        tags,
        summary: 'Subscribe a URL to the caller’s events; the signing secret is returned this once',
        body: WebhookSubscriptionCreate,
        response: { 201: WebhookSubscriptionCreated },
      },
    },
    async (request, reply) => {
      const created = await service.create(contextOf(request), request.body);
      return reply.code(201).header('location', `/v1/webhook-subscriptions/${created.id}`).send(created);
    },
  );

  app.get(
    '/webhook-subscriptions',
    {
      schema: {
        operationId: 'listWebhookSubscriptions',
        tags,
        summary: 'The caller’s webhook subscriptions',
        querystring: PageQuery,
        response: { 200: page(WebhookSubscription, 'WebhookSubscriptionPage') },
      },
    },
    async (request) => service.list(contextOf(request), request.query),
  );

  app.get(
    '/webhook-subscriptions/:id',
    {
      schema: {
        operationId: 'getWebhookSubscription',
        tags,
        summary: 'One of the caller’s webhook subscriptions',
        params: UuidParam,
        response: { 200: WebhookSubscription },
      },
    },
    async (request) => service.get(contextOf(request), request.params.id),
  );

  for (const [verb, status, summary] of [
    ['pause', 'paused', 'Stop deliveries until resumed; events meanwhile are delivered on resume'],
    ['resume', 'active', 'Resume deliveries, starting with the events that came while paused'],
  ] as const) {
    app.post(
      `/webhook-subscriptions/:id/${verb}`,
      {
        schema: {
          operationId: `${verb}WebhookSubscription`,
          tags,
          summary,
          params: UuidParam,
          body: z.strictObject({}).optional(),
          response: { 200: WebhookSubscription },
        },
      },
      async (request) => service.setStatus(contextOf(request), request.params.id, status),
    );
  }

  app.delete(
    '/webhook-subscriptions/:id',
    {
      schema: {
        operationId: 'deleteWebhookSubscription',
        tags,
        summary: 'Delete a subscription and its pending deliveries',
        params: UuidParam,
        response: { 204: z.null().describe('Deleted') },
      },
    },
    async (request, reply) => {
      await service.remove(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhook-subscriptions/:id/rotate-secret',
    {
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'A new signing secret, returned once; the previous one also signs for a grace period',
        params: UuidParam,
        body: z.strictObject({}).optional(),
        response: { 200: WebhookSecret },
      },
    },
    async (request) => service.rotateSecret(contextOf(request), request.params.id),
  );

  app.get(
    '/webhook-subscriptions/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: 'The delivery log of a subscription, newest first',
        params: UuidParam,
        querystring: DeliveryQuery,
        response: { 200: page(WebhookDelivery, 'WebhookDeliveryPage') },
      },
    },
    async (request) => service.deliveries(contextOf(request), request.params.id, request.query),
  );

  app.post(
    '/webhook-subscriptions/:id/deliveries/replay',
    {
      schema: {
        operationId: 'replayWebhookDeliveries',
        tags,
        summary: 'Send failed deliveries again (all, or the ones named)',
        params: UuidParam,
        body: ReplayRequest,
        response: { 200: ReplayResult },
      },
    },
    async (request) => service.replay(contextOf(request), request.params.id, request.body),
  );
};
