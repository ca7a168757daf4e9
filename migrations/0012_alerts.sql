CREATE TABLE "alert_acknowledgements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rule" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"since" timestamp (3) with time zone NOT NULL,
	"case_id" uuid NOT NULL,
	"note" text,
	"acknowledged_by" text NOT NULL,
	"acknowledged_by_role" text NOT NULL,
	"acknowledged_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_states" (
	"rule" text NOT NULL,
	"case_id" uuid NOT NULL,
	"subject_id" uuid NOT NULL,
	"since" timestamp (3) with time zone NOT NULL,
	"raised_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"cleared_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "alert_acknowledgements" ADD CONSTRAINT "alert_acknowledgements_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_ack_subject_idx" ON "alert_acknowledgements" USING btree ("rule","subject_id","since","acknowledged_at");--> statement-breakpoint
CREATE INDEX "alert_ack_case_idx" ON "alert_acknowledgements" USING btree ("case_id");--> statement-breakpoint
CREATE UNIQUE INDEX "alert_states_open_idx" ON "alert_states" USING btree ("rule","case_id","subject_id","since") WHERE "alert_states"."cleared_at" is null;