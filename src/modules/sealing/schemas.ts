import { z } from 'zod';

export const SealRequest = z
  .strictObject({
    orderReference: z.string().trim().min(1).max(200).describe('Reference of the court order to seal'),
  })
  .meta({ id: 'SealRequest' });

export const ExpungeRequest = z
  .strictObject({
    orderReference: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe('Reference of the court order to expunge; for a sealed case, the order it was sealed under'),
  })
  .meta({ id: 'ExpungeRequest' });

export const SealedCase = z
  .object({ id: z.uuid(), sealedAt: z.date(), sealedOrderRef: z.string() })
  .meta({ id: 'SealedCase' });

/** What is left of an expunged case: its id and when it was erased. */
export const CaseTombstone = z
  .object({
    id: z.uuid(),
    expungedAt: z.date(),
    personErased: z
      .boolean()
      .describe("Whether the child's personal data was erased too (it is kept while another case remains)"),
  })
  .meta({ id: 'CaseTombstone' });
