ALTER TABLE "cases" ADD COLUMN "intake_status" text DEFAULT 'accepted' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "intake_accepted_by" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "intake_accepted_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "needs_confirmation" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "confirmed_by" text;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "confirmed_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "caller_org" text;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "caller_roles" text[];--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "case_id" uuid;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "person_id" uuid;--> statement-breakpoint
CREATE INDEX "idempotency_case_idx" ON "idempotency_keys" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "idempotency_person_idx" ON "idempotency_keys" USING btree ("person_id");