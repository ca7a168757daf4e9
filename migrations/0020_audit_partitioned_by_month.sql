-- The audit trail partitioned by month (UTC) on occurred_at, so that it no longer grows without
-- bound in one table: an old month can be detached to a signed archive (npm run audit:archive).
-- The hash chain (audit_chain) stays one table and runs across the partitions.
--
-- REVIEW FLAG (README "Migrations that rewrite or lock large tables"): this migration copies the
-- existing audit rows into the partitioned table, under an exclusive lock on audit_events, in the
-- migration's transaction. Requests that write audit rows wait until it commits; plan a
-- maintenance window for a large trail.
CREATE TABLE "audit_archives" (
	"month" text PRIMARY KEY NOT NULL,
	"partition" text NOT NULL,
	"first_seq" bigint NOT NULL,
	"last_seq" bigint NOT NULL,
	"last_hash" text NOT NULL,
	"rows" integer NOT NULL,
	"file_sha256" text NOT NULL,
	"jws" text NOT NULL,
	"key_id" text NOT NULL,
	"archived_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER audit_archives_no_update BEFORE UPDATE OR DELETE ON audit_archives
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_archives_no_update_stmt BEFORE UPDATE OR DELETE ON audit_archives
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_archives_no_truncate BEFORE TRUNCATE ON audit_archives
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE;
--> statement-breakpoint
ALTER TABLE audit_events RENAME TO audit_events_unpartitioned;
--> statement-breakpoint
ALTER INDEX audit_events_pkey RENAME TO audit_events_unpartitioned_pkey;
--> statement-breakpoint
ALTER INDEX audit_events_txid_idx RENAME TO audit_events_unpartitioned_txid_idx;
--> statement-breakpoint
ALTER INDEX audit_events_case_idx RENAME TO audit_events_unpartitioned_case_idx;
--> statement-breakpoint
ALTER INDEX audit_events_person_idx RENAME TO audit_events_unpartitioned_person_idx;
--> statement-breakpoint
ALTER INDEX audit_events_actor_idx RENAME TO audit_events_unpartitioned_actor_idx;
--> statement-breakpoint
ALTER INDEX audit_events_time_idx RENAME TO audit_events_unpartitioned_time_idx;
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"txid" bigint DEFAULT (pg_current_xact_id()::text)::bigint NOT NULL,
	"occurred_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"actor_sub" text,
	"actor_roles" text[] DEFAULT '{}' NOT NULL,
	"actor_org" text,
	"client_id" text,
	"action" text NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" text,
	"case_id" uuid,
	"person_id" uuid,
	"categories_disclosed" text[] DEFAULT '{}' NOT NULL,
	"categories_withheld" text[] DEFAULT '{}' NOT NULL,
	"purpose" text,
	"basis_type" text,
	"basis_id" text,
	"break_glass" boolean DEFAULT false NOT NULL,
	"outcome" text NOT NULL,
	"reason" text,
	"request_id" text,
	"client_address" text,
	CONSTRAINT "audit_events_pkey" PRIMARY KEY("id","occurred_at")
) PARTITION BY RANGE ("occurred_at");
--> statement-breakpoint
CREATE INDEX "audit_events_txid_idx" ON "audit_events" USING btree ("txid","id");
--> statement-breakpoint
CREATE INDEX "audit_events_case_idx" ON "audit_events" USING btree ("case_id","occurred_at");
--> statement-breakpoint
CREATE INDEX "audit_events_person_idx" ON "audit_events" USING btree ("person_id","occurred_at");
--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_sub","occurred_at");
--> statement-breakpoint
CREATE INDEX "audit_events_time_idx" ON "audit_events" USING btree ("occurred_at","id");
--> statement-breakpoint
-- Row triggers on a partitioned table are cloned onto every partition; statement triggers are
-- not (they fire only for statements that name the parent), so each partition gets its own.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update_stmt BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE FUNCTION audit_protect_partition(part regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TRIGGER audit_partition_no_update_stmt BEFORE UPDATE OR DELETE ON %s
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', part);
  EXECUTE format('CREATE TRIGGER audit_partition_no_truncate BEFORE TRUNCATE ON %s
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', part);
END;
$$;
--> statement-breakpoint
-- Creates the partition of the month holding `for_day` (UTC) unless it exists, with its triggers.
-- Safe when several instances call it at once (a transaction-scoped advisory lock) and cheap when
-- the partition exists. A month detached to an archive keeps its table name, so it is never
-- created again: late rows for it would land in the default partition.
CREATE FUNCTION audit_ensure_partition(for_day date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  first_day timestamp := date_trunc('month', for_day::timestamp);
  part text := 'audit_events_' || to_char(first_day, 'YYYY_MM');
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN part;
  END IF;
  PERFORM pg_advisory_xact_lock(74110002);
  IF to_regclass(part) IS NOT NULL THEN
    RETURN part;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
    part, (first_day AT TIME ZONE 'UTC'), ((first_day + interval '1 month') AT TIME ZONE 'UTC'));
  PERFORM audit_protect_partition(part::regclass);
  RETURN part;
END;
$$;
--> statement-breakpoint
CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
--> statement-breakpoint
SELECT audit_protect_partition('audit_events_default'::regclass);
--> statement-breakpoint
-- A partition for every month the existing rows cover, this month and the next; then the copy.
SELECT audit_ensure_partition(m::date)
  FROM (SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') AS m FROM audit_events_unpartitioned
        UNION SELECT date_trunc('month', now() AT TIME ZONE 'UTC')
        UNION SELECT date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') months;
--> statement-breakpoint
INSERT INTO audit_events SELECT * FROM audit_events_unpartitioned;
--> statement-breakpoint
DROP TABLE audit_events_unpartitioned;
