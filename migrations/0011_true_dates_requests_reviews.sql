ALTER TABLE "legal_aid_assignments" ALTER COLUMN "legal_aid_org_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "legal_aid_assignments" ALTER COLUMN "assigned_by" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "legal_aid_assignments" ALTER COLUMN "assigned_at" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "legal_aid_assignments" ALTER COLUMN "assigned_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "case_events" ADD COLUMN "seq" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "case_events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);--> statement-breakpoint
ALTER TABLE "legal_aid_assignments" ADD COLUMN "request_source" text DEFAULT 'clerk' NOT NULL;--> statement-breakpoint
ALTER TABLE "legal_aid_assignments" ADD COLUMN "requested_by" text;--> statement-breakpoint
ALTER TABLE "legal_aid_assignments" ADD COLUMN "requested_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- Rows written before requests existed: the assignment was its own request.
UPDATE "legal_aid_assignments" SET "requested_by" = "assigned_by", "requested_at" = "assigned_at";--> statement-breakpoint
ALTER TABLE "legal_aid_assignments" ALTER COLUMN "requested_by" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "diversions" ADD COLUMN "proposed_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
UPDATE "diversions" SET "proposed_at" = "created_at";--> statement-breakpoint
ALTER TABLE "hearings" ADD COLUMN "listed_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
UPDATE "hearings" SET "listed_at" = "created_at";--> statement-breakpoint
ALTER TABLE "dispositions" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "court_orders" ADD COLUMN "revoked_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "court_orders" ADD COLUMN "revoked_by" text;--> statement-breakpoint
ALTER TABLE "court_orders" ADD COLUMN "revocation_reason" text;--> statement-breakpoint
ALTER TABLE "court_orders" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "break_glass_grants" ADD COLUMN "review_verdict" text;--> statement-breakpoint
ALTER TABLE "break_glass_grants" ADD COLUMN "review_note" text;--> statement-breakpoint
ALTER TABLE "break_glass_grants" ADD COLUMN "reviewed_by" text;--> statement-breakpoint
ALTER TABLE "break_glass_grants" ADD COLUMN "reviewed_role" text;--> statement-breakpoint
ALTER TABLE "break_glass_grants" ADD COLUMN "reviewed_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "case_events_timeline_idx" ON "case_events" USING btree ("case_id","occurred_at","recorded_at","seq");