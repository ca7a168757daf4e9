CREATE TABLE "records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"category" text NOT NULL,
	"kind" text DEFAULT 'record' NOT NULL,
	"title" text,
	"content" text,
	"details" jsonb,
	"created_by" text NOT NULL,
	"created_by_role" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expunged_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "records_case_idx" ON "records" USING btree ("case_id","created_at");--> statement-breakpoint
CREATE INDEX "records_person_idx" ON "records" USING btree ("person_id");