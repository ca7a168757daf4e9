import { preconditionFailed, preconditionRequired } from './errors.js';

/** Strong ETags from a row's version counter. */
export const etagOf = (version: number) => `"${version}"`;

/**
 * Optimistic concurrency for updates: the caller must send the ETag it read (428 without one,
 * 412 when someone changed the resource since).
 */
export function checkIfMatch(ifMatch: string | undefined, currentVersion: number): void {
  if (!ifMatch) throw preconditionRequired();
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!tags.includes('*') && !tags.includes(etagOf(currentVersion))) throw preconditionFailed();
}
