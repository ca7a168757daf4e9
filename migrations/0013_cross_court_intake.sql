ALTER TABLE "cases" ADD COLUMN "intake_status" text DEFAULT 'accepted' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "intake_accepted_by" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "intake_accepted_at" timestamp (3) with time zone;