import type { AuditEntry } from '../../audit/writer.js';
import type { Executor } from '../../db/client.js';
import { insertRecordset } from '../../db/recordset.js';
import { events } from '../../db/schema/events.js';
import { type EventType, isEventType } from './types.js';

export interface OutboxEvent {
  type: EventType;
  caseId: string;
  resourceType: string;
  resourceId?: string | null;
  /** Addressed to one more organisation than those related to the case. */
  audienceOrg?: string | null;
}

/** Writes one event in the caller's transaction: it commits with the change or not at all. */
export async function writeEvent(tx: Executor, event: OutboxEvent): Promise<void> {
  await tx.insert(events).values({
    type: event.type,
    caseId: event.caseId,
    resourceType: event.resourceType,
    resourceId: event.resourceId ?? null,
    audienceOrg: event.audienceOrg ?? null,
  });
}

/** writeEvent for many events of one transaction, in one statement (src/db/recordset.ts). */
export async function writeEvents(tx: Executor, list: OutboxEvent[]): Promise<void> {
  await insertRecordset(
    tx,
    events,
    list.map((event) => ({
      type: event.type,
      caseId: event.caseId,
      resourceType: event.resourceType,
      resourceId: event.resourceId ?? null,
      audienceOrg: event.audienceOrg ?? null,
    })),
  );
}

/**
 * The event an allowed change raises, derived from its audit entry: every change is audited by
 * one writer, so deriving events there covers every change with one touch point. Reads, searches,
 * denials, changes outside a case and resources outside the vocabulary raise none.
 */
export function eventOfAudit(entry: AuditEntry, caseId: string | null): OutboxEvent | null {
  if (entry.outcome !== 'allowed' || !caseId) return null;
  const verb = entry.action === 'create' ? 'created' : entry.action === 'update' ? 'updated' : null;
  if (!verb) return null;
  const type = `${entry.resourceType}.${verb}`;
  if (!isEventType(type)) return null;
  return { type, caseId, resourceType: entry.resourceType, resourceId: entry.resourceId ?? null };
}
