CREATE TABLE "alert_states" (
	"rule" text NOT NULL,
	"case_id" uuid NOT NULL,
	"subject_id" uuid NOT NULL,
	"since" timestamp (3) with time zone NOT NULL,
	"raised_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"cleared_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "alert_states_open_idx" ON "alert_states" USING btree ("rule","case_id","subject_id","since") WHERE "alert_states"."cleared_at" is null;