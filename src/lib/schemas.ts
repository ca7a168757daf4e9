import { z } from 'zod';

/** Shapes shared by every module. Registered with ids so the OpenAPI document references them. */
export const ProblemSchema = z
  .looseObject({
    type: z.string().describe('A URI reference naming the kind of problem'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const UuidParam = z.object({ id: z.uuid() });

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional().describe('Opaque cursor from a previous page'),
});

export function page<T extends z.ZodType>(item: T, id: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id });
}

export const IsoDateTime = z.iso.datetime({ offset: true });
export const IsoDate = z.iso.date();
