import { z } from 'zod';
import { ROLES } from '../../access/roles.js';
import { ORGANIZATION_KINDS } from '../../db/schema/organizations.js';

const OrgId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{1,62}$/,
    'lowercase letters, digits, dot, dash or underscore; 2 to 63 characters',
  );

export const OrganizationCreate = z
  .strictObject({
    id: OrgId.describe('Stable id, the same as the `org` claim in its staff tokens'),
    name: z.string().min(1).max(200),
    kind: z.enum(ORGANIZATION_KINDS),
    region: z.string().min(1).max(100).optional(),
  })
  .meta({ id: 'OrganizationCreate' });

export const Organization = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(ORGANIZATION_KINDS),
    region: z.string().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: 'Organization' });

export const StaffPut = z
  .strictObject({
    displayName: z.string().min(1).max(200),
    orgId: OrgId,
    roles: z.array(z.enum(ROLES)).min(1),
    juvenileSpecialised: z.boolean().default(false).describe('Trained and specialised in juvenile cases'),
    active: z.boolean().default(true),
  })
  .meta({ id: 'StaffPut' });

export const StaffMember = z
  .object({
    sub: z.string(),
    displayName: z.string(),
    orgId: z.string(),
    roles: z.array(z.string()),
    juvenileSpecialised: z.boolean(),
    active: z.boolean(),
    updatedAt: z.date(),
  })
  .meta({ id: 'StaffMember' });

export const StaffSubParam = z.object({ sub: z.string().min(1).max(200) });
export const StaffQuery = z.object({
  role: z.enum(ROLES).optional(),
  org: OrgId.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional(),
});
