ALTER TABLE "idempotency_keys" ADD COLUMN "caller_org" text;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "caller_roles" text[];--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "case_id" uuid;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "person_id" uuid;--> statement-breakpoint
CREATE INDEX "idempotency_case_idx" ON "idempotency_keys" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "idempotency_person_idx" ON "idempotency_keys" USING btree ("person_id");