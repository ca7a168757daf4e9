import type { z } from 'zod';
import { authorize } from '../../access/authorize.js';
import type { RequestContext } from '../../access/caller.js';
import { organisationCasesConditionAs, visibleCasesConditionAs } from '../../access/scope.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { badRequest, forbidden, notFound } from '../../lib/errors.js';
import { decodeCursor, encodeCursor } from '../../lib/pagination.js';
import { withTransaction } from '../../lib/transaction.js';
import { type AlertRow, alertRepository } from './repository.js';
import { ALERT_RULES, type AlertRule, RULE_DECLARATIONS, alertsUnion } from './rules.js';
import { ALERT_ID_PATTERN, type AlertAcknowledge, type AlertListQuery } from './schemas.js';

const RESOURCE = 'alert';

const present = (r: AlertRow) => ({
  id: `${r.rule}:${r.case_id}:${r.subject_id}`,
  rule: r.rule,
  severity: RULE_DECLARATIONS[r.rule].severity,
  caseId: r.case_id,
  subjectType: r.subject_type as never,
  subjectId: r.subject_id,
  since: r.since,
  dueAt: r.due_at,
  overdueSeconds: r.overdue_seconds,
  acknowledgement:
    r.ack_at && r.ack_by && r.ack_role
      ? { by: r.ack_by, role: r.ack_role, at: r.ack_at, note: r.ack_note }
      : null,
});

function decodeAfter(cursor: string | undefined) {
  const c = decodeCursor(cursor, 4);
  if (!c) return null;
  const dueAt = new Date(String(c[0]));
  const uuid = /^[0-9a-f-]{36}$/;
  if (Number.isNaN(dueAt.getTime()) || !uuid.test(String(c[2])) || !uuid.test(String(c[3]))) {
    throw badRequest('The cursor is not valid', [
      { path: 'querystring.cursor', message: 'not a cursor from this API' },
    ]);
  }
  return { dueAt, rule: String(c[1]), caseId: String(c[2]), subjectId: String(c[3]) };
}

export function alertService(db: Db, config: Config) {
  /** The alerts this caller can act on: per rule, the same relationship facts as case reads. */
  const visibleUnion = (ctx: RequestContext) =>
    alertsUnion(config, (decl) => visibleCasesConditionAs(ctx.caller, decl.actors), ctx.caller);

  return {
    async list(ctx: RequestContext, q: z.infer<typeof AlertListQuery>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'alert:list', { resourceType: RESOURCE });
        const after = decodeAfter(q.cursor);
        const union = visibleUnion(ctx);
        const rows = union
          ? await alertRepository.list(
              tx,
              union,
              {
                rule: q.rule,
                caseId: q.caseId,
                acknowledged: q.acknowledged === undefined ? undefined : q.acknowledged === 'true',
                after,
              },
              q.limit + 1,
            )
          : [];
        const evaluatedAt = rows[0]?.evaluated_at ?? (await alertRepository.now(tx));
        await audit({ action: 'search', resourceType: RESOURCE, decision, outcome: 'allowed' });
        const items = rows.slice(0, q.limit);
        const last = items[items.length - 1];
        return {
          evaluatedAt,
          items: items.map(present),
          nextCursor:
            rows.length > q.limit
              ? encodeCursor([last.due_at.toISOString(), last.rule, last.case_id, last.subject_id])
              : null,
        };
      });
    },

    /**
     * Records that someone who can act on the alert has seen it, and what is being done. It covers
     * this occurrence only (the same `since`): when the clock starts again, the alert shows again.
     * An alert the caller cannot see (or that no longer holds) answers 404, audited.
     */
    async acknowledge(ctx: RequestContext, id: string, input: z.infer<typeof AlertAcknowledge>) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'alert:acknowledge', {
          resourceType: RESOURCE,
          resourceId: id,
        });
        const [, rule, caseId, subjectId] = ALERT_ID_PATTERN.exec(id) ?? [];
        const union = (ALERT_RULES as readonly string[]).includes(rule) ? visibleUnion(ctx) : null;
        const [row] = union
          ? await alertRepository.list(tx, union, { rule: rule as AlertRule, caseId, subjectId }, 1)
          : [];
        if (!row) {
          throw notFound(RESOURCE).withAudit({
            action: 'create',
            resourceType: 'alert_acknowledgement',
            resourceId: id,
            decision,
            reason: 'no such alert visible to the caller',
          });
        }
        const personId = await alertRepository.personOf(tx, row.case_id);
        const ack = await alertRepository.acknowledge(tx, {
          rule: row.rule,
          subjectId: row.subject_id,
          since: row.since,
          caseId: row.case_id,
          note: input.note,
          acknowledgedBy: ctx.caller.sub,
          acknowledgedByRole: decision.role,
        });
        await audit({
          action: 'create',
          resourceType: 'alert_acknowledgement',
          resourceId: ack.id,
          caseId: row.case_id,
          personId,
          decision,
          outcome: 'allowed',
        });
        return present({
          ...row,
          ack_by: ack.acknowledgedBy,
          ack_role: ack.acknowledgedByRole,
          ack_at: ack.acknowledgedAt,
          ack_note: ack.note,
        });
      });
    },

    /** Counts per rule for the caller's own court or office (every rule listed, zeros included). */
    async summary(ctx: RequestContext) {
      return withTransaction(db, ctx, async (tx, audit) => {
        const decision = await authorize(tx, ctx, 'alert:summary', { resourceType: 'alert_summary' });
        const org = ctx.caller.org;
        if (!org) {
          throw forbidden('A summary is given to an organisation: the token names none').withAudit({
            action: 'search',
            resourceType: 'alert_summary',
            decision,
            reason: 'no organisation in the token',
          });
        }
        const union = alertsUnion(
          config,
          (decl) => organisationCasesConditionAs(ctx.caller, decl.actors),
          // The addressee branch of legal_aid_not_accepted is personal: counts are per organisation.
          { sub: ctx.caller.sub, roles: [] },
        );
        const counts = union ? await alertRepository.countByRule(tx, union) : [];
        const evaluatedAt = await alertRepository.now(tx);
        await audit({
          action: 'search',
          resourceType: 'alert_summary',
          resourceId: org,
          decision,
          outcome: 'allowed',
        });
        const byRule = new Map(counts.map((c) => [c.rule, c]));
        return {
          organization: org,
          evaluatedAt,
          rules: ALERT_RULES.map((rule) => ({
            rule,
            description: RULE_DECLARATIONS[rule].describe(config),
            open: byRule.get(rule)?.open ?? 0,
            acknowledged: byRule.get(rule)?.acknowledged ?? 0,
            oldestSince: byRule.get(rule)?.oldestSince ?? null,
          })),
        };
      });
    },
  };
}
