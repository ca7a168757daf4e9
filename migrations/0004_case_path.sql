CREATE TABLE "legal_aid_assignments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"lawyer_sub" text,
	"legal_aid_org_id" text NOT NULL,
	"status" text DEFAULT 'assigned' NOT NULL,
	"assigned_by" text NOT NULL,
	"assigned_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"responded_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"end_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "custody_episodes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"facility" text NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"released_at" timestamp (3) with time zone,
	"release_reason" text,
	"created_by" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "diversions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"status" text DEFAULT 'proposed' NOT NULL,
	"provider" text NOT NULL,
	"conditions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"proposed_by" text NOT NULL,
	"proposed_by_role" text NOT NULL,
	"decided_at" timestamp (3) with time zone,
	"started_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"outcome_note" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hearings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"scheduled_at" timestamp (3) with time zone NOT NULL,
	"location" text,
	"child_friendly_courtroom" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"held_at" timestamp (3) with time zone,
	"outcome" text,
	"attendees" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"adjourned_to_id" uuid,
	"adjourned_from_id" uuid,
	"reason" text,
	"created_by" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dispositions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"hearing_id" uuid,
	"outcome" text NOT NULL,
	"charge_outcomes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"decided_at" timestamp (3) with time zone NOT NULL,
	"term_months" integer,
	"notes" text,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supervision_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"supervision_id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"contact_kind" text,
	"notes" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supervisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"disposition_id" uuid,
	"officer_sub" text NOT NULL,
	"officer_org_id" text NOT NULL,
	"starts_on" date NOT NULL,
	"ends_on" date NOT NULL,
	"conditions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"end_note" text,
	"assigned_by" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "social_work_assignments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"social_worker_sub" text NOT NULL,
	"org_id" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"assigned_by" text NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "legal_aid_assignments" ADD CONSTRAINT "legal_aid_assignments_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custody_episodes" ADD CONSTRAINT "custody_episodes_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custody_episodes" ADD CONSTRAINT "custody_episodes_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "diversions" ADD CONSTRAINT "diversions_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hearings" ADD CONSTRAINT "hearings_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dispositions" ADD CONSTRAINT "dispositions_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dispositions" ADD CONSTRAINT "dispositions_hearing_id_hearings_id_fk" FOREIGN KEY ("hearing_id") REFERENCES "public"."hearings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_entries" ADD CONSTRAINT "supervision_entries_supervision_id_supervisions_id_fk" FOREIGN KEY ("supervision_id") REFERENCES "public"."supervisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_entries" ADD CONSTRAINT "supervision_entries_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervisions" ADD CONSTRAINT "supervisions_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervisions" ADD CONSTRAINT "supervisions_disposition_id_dispositions_id_fk" FOREIGN KEY ("disposition_id") REFERENCES "public"."dispositions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "social_work_assignments" ADD CONSTRAINT "social_work_assignments_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "legal_aid_case_idx" ON "legal_aid_assignments" USING btree ("case_id","status");--> statement-breakpoint
CREATE INDEX "legal_aid_lawyer_idx" ON "legal_aid_assignments" USING btree ("lawyer_sub","status");--> statement-breakpoint
CREATE INDEX "legal_aid_org_idx" ON "legal_aid_assignments" USING btree ("legal_aid_org_id","status");--> statement-breakpoint
CREATE INDEX "custody_case_idx" ON "custody_episodes" USING btree ("case_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "custody_one_open_per_child" ON "custody_episodes" USING btree ("person_id") WHERE "custody_episodes"."released_at" is null;--> statement-breakpoint
CREATE INDEX "diversions_case_idx" ON "diversions" USING btree ("case_id","created_at");--> statement-breakpoint
CREATE INDEX "hearings_case_idx" ON "hearings" USING btree ("case_id","scheduled_at");--> statement-breakpoint
CREATE INDEX "dispositions_case_idx" ON "dispositions" USING btree ("case_id","decided_at");--> statement-breakpoint
CREATE INDEX "supervision_entries_idx" ON "supervision_entries" USING btree ("supervision_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "supervisions_case_idx" ON "supervisions" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "supervisions_officer_idx" ON "supervisions" USING btree ("officer_sub","status","created_at");--> statement-breakpoint
CREATE INDEX "social_work_case_idx" ON "social_work_assignments" USING btree ("case_id","status");--> statement-breakpoint
CREATE INDEX "social_work_worker_idx" ON "social_work_assignments" USING btree ("social_worker_sub","status");