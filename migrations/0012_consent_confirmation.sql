ALTER TABLE "consents" ADD COLUMN "needs_confirmation" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "confirmed_by" text;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "confirmed_at" timestamp (3) with time zone;