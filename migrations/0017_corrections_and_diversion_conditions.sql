CREATE TABLE "diversion_conditions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"diversion_id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"kind" text NOT NULL,
	"description" text NOT NULL,
	"hours" integer,
	"due_on" date,
	"victim_consented_at" timestamp (3) with time zone,
	"status" text DEFAULT 'pending' NOT NULL,
	"status_at" timestamp (3) with time zone,
	"note" text,
	"recorded_by" text,
	"recorded_by_role" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "corrections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" uuid NOT NULL,
	"case_id" uuid,
	"person_id" uuid NOT NULL,
	"field" text NOT NULL,
	"old_value" jsonb,
	"new_value" jsonb,
	"reason" text NOT NULL,
	"actor_sub" text NOT NULL,
	"actor_role" text NOT NULL,
	"request_id" text NOT NULL,
	"corrected_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "charges" ADD COLUMN "withdrawn_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "diversion_conditions" ADD CONSTRAINT "diversion_conditions_diversion_id_diversions_id_fk" FOREIGN KEY ("diversion_id") REFERENCES "public"."diversions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "diversion_conditions" ADD CONSTRAINT "diversion_conditions_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "corrections" ADD CONSTRAINT "corrections_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "corrections" ADD CONSTRAINT "corrections_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "diversion_conditions_diversion_idx" ON "diversion_conditions" USING btree ("diversion_id","position");--> statement-breakpoint
CREATE INDEX "corrections_case_idx" ON "corrections" USING btree ("case_id","corrected_at","id");--> statement-breakpoint
CREATE INDEX "corrections_person_idx" ON "corrections" USING btree ("person_id","corrected_at","id");--> statement-breakpoint
-- Backfill: each condition of an existing diversion becomes a row (kind other); a completed
-- diversion's conditions count as done on the day it ended.
INSERT INTO "diversion_conditions" ("diversion_id", "case_id", "position", "kind", "description", "status", "status_at", "recorded_by", "recorded_by_role", "created_at")
SELECT d."id", d."case_id", c.ord - 1, 'other', c.value,
       CASE WHEN d."status" = 'completed' THEN 'done' ELSE 'pending' END,
       CASE WHEN d."status" = 'completed' THEN d."ended_at" END,
       CASE WHEN d."status" = 'completed' THEN d."proposed_by" END,
       CASE WHEN d."status" = 'completed' THEN d."proposed_by_role" END,
       d."created_at"
  FROM "diversions" d CROSS JOIN LATERAL jsonb_array_elements_text(d."conditions") WITH ORDINALITY AS c(value, ord);--> statement-breakpoint
ALTER TABLE "diversions" DROP COLUMN "conditions";