import { createHash } from 'node:crypto';
import type { auditEvents } from '../db/schema/audit.js';

export type AuditEventRow = typeof auditEvents.$inferSelect;

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical form of an audit row that its hash covers: every column, in a fixed order, as
 * JSON. Versioned so that a future change of form can be verified beside the old one.
 * Anyone can recompute it from the table with any language: see README "Verifying from outside".
 */
export function canonicalEvent(e: AuditEventRow): string {
  return JSON.stringify([
    'v1',
    e.id,
    e.txid.toString(),
    e.occurredAt.toISOString(),
    e.actorSub,
    e.actorRoles,
    e.actorOrg,
    e.clientId,
    e.action,
    e.resourceType,
    e.resourceId,
    e.caseId,
    e.personId,
    e.categoriesDisclosed,
    e.categoriesWithheld,
    e.purpose,
    e.basisType,
    e.basisId,
    e.breakGlass,
    e.outcome,
    e.reason,
    e.requestId,
    e.clientAddress,
  ]);
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const contentHashOf = (e: AuditEventRow) => sha256(canonicalEvent(e));

/** Each link covers the previous link and this row's content. */
export const linkHash = (prevHash: string, contentHash: string) => sha256(`${prevHash}:${contentHash}`);
