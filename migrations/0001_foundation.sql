CREATE TABLE "organizations" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"region" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "staff" (
	"sub" text PRIMARY KEY NOT NULL,
	"display_name" text NOT NULL,
	"org_id" text NOT NULL,
	"roles" text[] NOT NULL,
	"juvenile_specialised" boolean DEFAULT false NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "persons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"given_name" text,
	"family_name" text,
	"date_of_birth" date,
	"sex" text DEFAULT 'unknown' NOT NULL,
	"region" text,
	"guardians" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_by_org" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expunged_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "case_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"occurred_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"actor_sub" text NOT NULL,
	"actor_role" text NOT NULL,
	"summary" text NOT NULL,
	"category" text,
	"resource_type" text,
	"resource_id" uuid,
	"recorded_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"court_org_id" text NOT NULL,
	"referring_org_id" text,
	"referring_sub" text,
	"stage" text DEFAULT 'intake' NOT NULL,
	"intake_kind" text NOT NULL,
	"offence_date" timestamp (3) with time zone NOT NULL,
	"intake_at" timestamp (3) with time zone NOT NULL,
	"agency" text NOT NULL,
	"location" text,
	"detained" boolean DEFAULT false NOT NULL,
	"guardians_notified_at" timestamp (3) with time zone,
	"age_at_offence" integer NOT NULL,
	"region" text,
	"closed_reason" text,
	"closed_at" timestamp (3) with time zone,
	"sealed_at" timestamp (3) with time zone,
	"sealed_order_ref" text,
	"expunged_at" timestamp (3) with time zone,
	"created_by" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "charges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"code" text NOT NULL,
	"description" text NOT NULL,
	"position" integer NOT NULL,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "audit_chain" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"event_txid" bigint NOT NULL,
	"content_hash" text NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	"sealed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_chain_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE TABLE "audit_checkpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	"jws" text NOT NULL,
	"key_id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
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
	"client_address" text
);
--> statement-breakpoint
CREATE TABLE "audit_seal_state" (
	"id" integer PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"last_hash" text NOT NULL,
	"sealed_below_txid" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "staff" ADD CONSTRAINT "staff_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_events" ADD CONSTRAINT "case_events_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "charges" ADD CONSTRAINT "charges_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "staff_org_idx" ON "staff" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "persons_name_trgm_idx" ON "persons" USING gin ((coalesce("given_name", '') || ' ' || coalesce("family_name", '')) gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "persons_dob_idx" ON "persons" USING btree ("date_of_birth");--> statement-breakpoint
CREATE INDEX "case_events_case_idx" ON "case_events" USING btree ("case_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "cases_person_idx" ON "cases" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "cases_court_idx" ON "cases" USING btree ("court_org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "charges_case_idx" ON "charges" USING btree ("case_id","position");--> statement-breakpoint
CREATE INDEX "audit_events_txid_idx" ON "audit_events" USING btree ("txid","id");--> statement-breakpoint
CREATE INDEX "audit_events_case_idx" ON "audit_events" USING btree ("case_id","occurred_at");--> statement-breakpoint
CREATE INDEX "audit_events_person_idx" ON "audit_events" USING btree ("person_id","occurred_at");--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_sub","occurred_at");--> statement-breakpoint
CREATE INDEX "audit_events_time_idx" ON "audit_events" USING btree ("occurred_at","id");