CREATE TABLE "handovers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"case_id" uuid NOT NULL,
	"supervision_id" uuid,
	"from_org_id" text NOT NULL,
	"to_org_id" text NOT NULL,
	"status" text DEFAULT 'sent' NOT NULL,
	"reason" text NOT NULL,
	"category" text,
	"response_note" text,
	"outcome" text,
	"sent_by" text NOT NULL,
	"sent_by_role" text NOT NULL,
	"sent_at" timestamp (3) with time zone NOT NULL,
	"responded_by" text,
	"responded_at" timestamp (3) with time zone,
	"started_at" timestamp (3) with time zone,
	"completed_at" timestamp (3) with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "handovers" ADD CONSTRAINT "handovers_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "handovers" ADD CONSTRAINT "handovers_supervision_id_supervisions_id_fk" FOREIGN KEY ("supervision_id") REFERENCES "public"."supervisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "handovers_case_idx" ON "handovers" USING btree ("case_id","status");--> statement-breakpoint
CREATE INDEX "handovers_to_org_idx" ON "handovers" USING btree ("to_org_id","kind","status","created_at");