ALTER TABLE "records" ADD COLUMN "occurred_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "social_work_assignments" ADD COLUMN "assigned_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- Assignments recorded before this migration began when they were recorded.
UPDATE "social_work_assignments" SET "assigned_at" = "created_at";
