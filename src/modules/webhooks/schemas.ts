import { z } from 'zod';
import { DELIVERY_STATUSES, WEBHOOK_STATUSES } from '../../db/schema/webhooks.js';
import { EventTypeSchema } from '../events/schemas.js';

export const WebhookSubscriptionCreate = z
  .strictObject({
    url: z.url().max(2000).describe('Where deliveries are POSTed (https in production)'),
    types: z
      .array(EventTypeSchema)
      .max(50)
      .default([])
      .describe('Event types to deliver; empty or absent: all'),
  })
  .meta({ id: 'WebhookSubscriptionCreate' });

export const WebhookSubscription = z
  .object({
    id: z.uuid(),
    url: z.string().max(2000),
    types: z.array(EventTypeSchema).max(50),
    status: z.enum(WEBHOOK_STATUSES),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'WebhookSubscription' });

export const WebhookSecret = z
  .object({
    secret: z
      .string()
      .max(100)
      .describe('The signing secret (whsec_...). Shown once: store it now; it cannot be read again'),
  })
  .meta({ id: 'WebhookSecret' });

export const WebhookSubscriptionCreated = WebhookSubscription.extend(WebhookSecret.shape).meta({
  id: 'WebhookSubscriptionCreated',
});

export const WebhookDelivery = z
  .object({
    id: z.uuid().describe('The webhook-id header of every attempt of this message'),
    eventId: z.uuid(),
    eventType: EventTypeSchema,
    status: z.enum(DELIVERY_STATUSES).describe('dropped: no longer visible to the subscriber when due'),
    attempts: z.number().int(),
    nextAttemptAt: z.date().nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().max(500).nullable(),
    deliveredAt: z.date().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: 'WebhookDelivery' });

export const DeliveryQuery = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional().describe('Opaque cursor from a previous page'),
});

export const ReplayRequest = z
  .strictObject({
    deliveryIds: z
      .array(z.uuid())
      .min(1)
      .max(100)
      .optional()
      .describe('Failed deliveries to send again; absent: every failed delivery of the subscription'),
  })
  .meta({ id: 'WebhookReplayRequest' });

export const ReplayResult = z.object({ replayed: z.number().int() }).meta({ id: 'WebhookReplayResult' });
