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

/**
 * The row an UPDATE guarded by `version = <the version read>` changed. None: someone changed it
 * since it was read, and the change must not overwrite theirs (412).
 */
export function changedAtVersion<T>(rows: T[]): T {
  const [row] = rows;
  if (!row) throw preconditionFailed();
  return row;
}
