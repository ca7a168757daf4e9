import { z } from 'zod';
import { PARTNER_SCOPES } from '../../access/roles.js';
import { PARTNER_KINDS } from '../../db/schema/partner-clients.js';

const ClientId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.:@/-]+$/, 'letters, digits and . _ : @ / - only')
  .describe('The client_id claim of the partner’s tokens');

export const PartnerClientCreate = z
  .strictObject({
    clientId: ClientId,
    orgId: z.string().min(1).max(63).describe('The registered organisation the client acts for'),
    kind: z.enum(PARTNER_KINDS),
    allowedScopes: z.array(z.enum(PARTNER_SCOPES)).min(1).max(PARTNER_SCOPES.length),
  })
  .meta({ id: 'PartnerClientCreate' });

export const PartnerClient = z
  .object({
    clientId: z.string().max(200),
    orgId: z.string().max(63),
    kind: z.enum(PARTNER_KINDS),
    allowedScopes: z.array(z.enum(PARTNER_SCOPES)).max(PARTNER_SCOPES.length),
    createdAt: z.date(),
  })
  .meta({ id: 'PartnerClient' });

export const ClientIdParam = z.object({ clientId: ClientId });
