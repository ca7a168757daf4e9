import { createHash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical form of an audit row, the text its content hash covers: every column in a fixed
 * order as a JSON array built by PostgreSQL itself, with the time in UTC at millisecond precision:
 *
 *   json_build_array('v1', id, txid, <occurred_at as YYYY-MM-DDTHH24:MI:SS.MSZ>, actor_sub, actor_roles,
 *     actor_org, client_id, action, resource_type, resource_id, case_id, person_id, categories_disclosed,
 *     categories_withheld, purpose, basis_type, basis_id, break_glass, outcome, reason, request_id,
 *     client_address)::text
 *
 * content_hash = hex(sha256(that text)). Computing it in SQL lets the database check a million rows
 * in seconds, and lets anyone verify the trail with psql alone (README "Verifying from outside").
 * The expression is spelled out here, never stored as a database function that could be replaced.
 */
export function canonicalSql(alias: string): SQL {
  const c = (col: string) => sql.raw(`${alias}.${col}`);
  return sql`json_build_array('v1', ${c('id')}, ${c('txid')},
    to_char(${c('occurred_at')} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    ${c('actor_sub')}, ${c('actor_roles')}, ${c('actor_org')}, ${c('client_id')}, ${c('action')},
    ${c('resource_type')}, ${c('resource_id')}, ${c('case_id')}, ${c('person_id')}, ${c('categories_disclosed')},
    ${c('categories_withheld')}, ${c('purpose')}, ${c('basis_type')}, ${c('basis_id')}, ${c('break_glass')},
    ${c('outcome')}, ${c('reason')}, ${c('request_id')}, ${c('client_address')})::text`;
}

export function contentHashSql(alias: string): SQL {
  return sql`encode(sha256(convert_to(${canonicalSql(alias)}, 'UTF8')), 'hex')`;
}

/** The SQL twin of linkHash, for verification inside the database. */
export function linkHashSql(prevHash: SQL, contentHash: SQL): SQL {
  return sql`encode(sha256(convert_to(${prevHash} || ':' || ${contentHash}, 'UTF8')), 'hex')`;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Each link covers the previous link and this row's content: sha256(prev_hash ":" content_hash). */
export const linkHash = (prevHash: string, contentHash: string) => sha256(`${prevHash}:${contentHash}`);
