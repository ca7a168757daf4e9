import { type SQL, and, eq, isNull, or, sql } from 'drizzle-orm';
import { cases } from '../db/schema/cases.js';
import type { Caller } from './caller.js';

/**
 * The SQL twin of rule 2 of decide(): the cases a caller may see in lists and searches.
 * Sealed and expunged cases never appear. Kept beside decide() so that both change together;
 * tests assert that every case a list returns also passes decide().
 */
export function visibleCasesCondition(caller: Caller): SQL {
  const branches: SQL[] = [];
  const isCourt = caller.roles.includes('court_clerk') || caller.roles.includes('judge');
  if (isCourt && caller.org) branches.push(eq(cases.courtOrgId, caller.org));
  if (caller.roles.includes('partner_system') && caller.org && caller.scopes.includes('cases:read')) {
    branches.push(eq(cases.referringOrgId, caller.org));
  }
  const visible = branches.length ? or(...branches)! : sql`false`;
  return and(visible, isNull(cases.sealedAt), isNull(cases.expungedAt))!;
}
