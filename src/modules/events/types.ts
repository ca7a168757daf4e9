import type { Action } from '../../access/roles.js';

/**
 * The resources of the case path that raise events, each with the action that reads it: an event
 * is shown only to a caller whose role may take that action on the event's case (the feed's SQL
 * condition in src/access/event-scope.ts applies the same rule as decide()).
 */
export const EVENT_RESOURCES = {
  case: 'case:read',
  hearing: 'hearing:read',
  custody_episode: 'custody:read',
  diversion: 'diversion:read',
  diversion_condition: 'diversion:read',
  disposition: 'disposition:read',
  supervision: 'supervision:read',
  supervision_entry: 'supervision:read',
  legal_aid_assignment: 'legal_aid:read',
  social_work_assignment: 'social_services:list',
  // A sensitive record's event names neither its category nor its content: only that a record was
  // added, to those whose role may read the case's records at all.
  record: 'record:read',
  court_order: 'court_order:read',
  // Deadline alerts that started or stopped holding (src/modules/alerts/watcher.ts), per rule to the
  // roles that can act on it and are related to the case (src/access/event-scope.ts, alertEventBranches).
  alert: 'alert:list',
} as const satisfies Record<string, Action>;

export type EventResource = keyof typeof EVENT_RESOURCES;

/**
 * The closed vocabulary of event types: `<resource>.created` or `<resource>.updated`. Events are
 * thin (ids and this type): a consumer reads the resource to learn what changed, through the same
 * access rules as any read.
 */
export const EVENT_TYPES = [
  'case.created',
  'case.updated',
  'hearing.created',
  'hearing.updated',
  'custody_episode.created',
  'custody_episode.updated',
  'diversion.created',
  'diversion.updated',
  'diversion_condition.updated',
  'disposition.created',
  'supervision.created',
  'supervision.updated',
  'supervision_entry.created',
  'legal_aid_assignment.created',
  'legal_aid_assignment.updated',
  'social_work_assignment.created',
  'social_work_assignment.updated',
  'record.created',
  'court_order.created',
  'alert.raised',
  'alert.cleared',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (t: string): t is EventType => (EVENT_TYPES as readonly string[]).includes(t);

/** The resource type an event type is about ('hearing.updated' -> 'hearing'). */
export const resourceOfType = (t: EventType): EventResource => t.split('.')[0] as EventResource;
